import { z } from 'zod';
import { errorShape } from './errors';

/**
 * The browser host's WebSocket frames: JSON text, one message per frame. The same invoke and
 * subscribe as the Electron bridge, with ids to match answers to questions.
 */
export const clientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('invoke'), id: z.number().int().nonnegative(), channel: z.string().max(100), payload: z.unknown() }),
  z.object({ t: z.literal('sub'), id: z.number().int().nonnegative(), topic: z.string().max(100), params: z.unknown().optional() }),
  z.object({ t: z.literal('unsub'), id: z.number().int().nonnegative() }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

export type ServerMessage =
  | { t: 'result'; id: number; envelope: { ok: true; data: unknown } | { ok: false; error: z.infer<typeof errorShape> } }
  | { t: 'event'; id: number; event: unknown }
  | { t: 'sub-error'; id: number; error: z.infer<typeof errorShape> }
  /** A frame the host could not read at all; the connection stays open. */
  | { t: 'error'; error: z.infer<typeof errorShape> };

/** Larger frames are refused by the host (close code 1009). Contract requests are small. */
export const MAX_FRAME_BYTES = 256 * 1024;

/**
 * Per connection. Each call may hold one of the database pool's few connections, so one client
 * must not be able to queue unboundedly; the renderer never comes near these.
 */
export const MAX_CALLS_IN_FLIGHT = 64;
export const MAX_SUBSCRIPTIONS = 256;

/**
 * Per connection: answers and events the client has not read yet. Past the first figure the host
 * stops reading that client's frames until it has caught up (so a client that sends without
 * reading cannot make the host queue more); past the second (events keep coming while it does not
 * read) the host closes the connection with CLOSE_UNREAD. The renderer reads as fast as it can and
 * never comes near either.
 */
export const PAUSE_READING_AT_UNREAD_BYTES = 1024 * 1024;
export const MAX_UNREAD_BYTES = 32 * 1024 * 1024;
/** Close code (application range) for a connection closed because its client stopped reading. */
export const CLOSE_UNREAD = 4008;
