import { z } from 'zod';
import { command, isoTime, query, topic } from './channel';
import { nodeKeySchema } from './grid';

export const rejectionSchema = z.object({
  keyId: z.uuid().nullable(),
  keyPrefix: z.string().nullable(),
  hostname: z.string().nullable(),
  reason: z.string(),
  source: z.string(),
  count: z.number().int(),
  firstSeenAt: isoTime,
  lastSeenAt: isoTime,
  lastDetail: z.string().nullable(),
});
export type Rejection = z.infer<typeof rejectionSchema>;

export const keysList = query('keys.list', {
  summary: 'Every node key with its status and use, what was refused, and the checks of the daily checklist.',
  request: z.strictObject({ staleDays: z.number().int().min(1).max(365).default(30) }),
  response: z.object({
    keys: z.array(nodeKeySchema),
    rejections: z.array(rejectionSchema),
    /** Calls whose key nobody knows: counted platform-wide, not attributable to an org. */
    unattributed: z.array(z.object({ reason: z.string(), calls: z.number().int(), sources: z.number().int(), lastSeenAt: isoTime })),
    nodesWithoutValidKey: z.array(z.object({ nodeId: z.uuid(), hostname: z.string(), lifecycle: z.string() })),
    check: z.object({
      /** "Confirm no stale or revoked key is still used": true when nothing below is found. */
      ok: z.boolean(),
      staleKeys: z.number().int(),
      refusedKeysStillPresented: z.number().int(),
      since: isoTime,
    }),
  }),
});

const secretResponse = z.object({
  key: nodeKeySchema,
  /** The key itself, shown once. It is stored nowhere: only its sha256 is kept. */
  secret: z.string(),
});

export const keysIssue = command('keys.issue', {
  summary: 'Issue a node key (shown once).',
  request: z.strictObject({
    nodeId: z.uuid(),
    label: z.string().trim().max(80).default(''),
    expiresInDays: z.number().int().min(1).max(3650).nullable().default(365),
  }),
  response: secretResponse,
});

export const keysRotate = command('keys.rotate', {
  summary: 'Replace a key with a new one; the old one keeps working for the grace period.',
  request: z.strictObject({
    keyId: z.uuid(),
    graceHours: z.number().int().min(0).max(720).default(24),
    expiresInDays: z.number().int().min(1).max(3650).nullable().default(365),
  }),
  response: secretResponse.extend({ previous: nodeKeySchema }),
});

export const keysRevoke = command('keys.revoke', {
  summary: 'Revoke a key now: every later call with it is refused.',
  request: z.strictObject({ keyId: z.uuid(), reason: z.string().trim().min(3, 'Say why the key is revoked.').max(2000) }),
  response: z.object({ key: nodeKeySchema }),
});

export const keysChanged = topic('keys.changed', {
  summary: 'Keys were issued, rotated or revoked (ids, coalesced).',
  params: z.object({}).strict(),
  event: z.object({ ids: z.array(z.string()), truncated: z.boolean() }),
});
