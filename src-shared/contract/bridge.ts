import type { Envelope } from './errors';

/**
 * What the renderer sees as `window.mc`, whatever carries it: Electron IPC through the preload,
 * or the browser host's WebSocket. Only contract channel and topic names are accepted.
 */
export interface McBridge {
  invoke(channel: string, payload: unknown): Promise<Envelope<unknown>>;
  /** Returns the function that ends the subscription. */
  subscribe(topic: string, callback: (event: unknown) => void, params?: unknown): () => void;
}

/** Electron IPC channel names used by the preload and the main-process transport. */
export const IPC_CHANNELS = {
  invoke: 'mc:invoke',
  subscribe: 'mc:subscribe',
  unsubscribe: 'mc:unsubscribe',
  event: 'mc:event',
} as const;
