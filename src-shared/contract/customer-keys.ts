import { z } from 'zod';
import { command, isoTime, query } from './channel';
import { keyStandingShape } from './grid';

/** A customer API key as the app shows it: the node keys' standing, plus whom it serves. */
export const customerKeySchema = z.object({
  ...keyStandingShape,
  customerId: z.uuid(),
  customerName: z.string(),
  mode: z.enum(['live', 'test']),
  /** Presented after it stopped working (revoked, expired or rotated out), and the latest time and source. */
  refusedCount: z.number().int(),
  lastRefusedAt: isoTime.nullable(),
  lastRefusedSource: z.string().nullable(),
});
export type CustomerKey = z.infer<typeof customerKeySchema>;

export const customerKeysList = query('customerKeys.list', {
  summary: 'Every customer API key of the org with its status and use, and the customers that can have keys.',
  request: z.strictObject({ staleDays: z.number().int().min(1).max(365).default(30) }),
  response: z.object({
    keys: z.array(customerKeySchema),
    customers: z.array(z.object({ id: z.uuid(), name: z.string(), tier: z.string() })),
    /** Keys flagged: stale ones, and ones presented in the last 24 h after they stopped working. */
    flags: z.object({ stale: z.number().int(), refusedStillPresented: z.number().int(), since: isoTime }),
  }),
});

const secretResponse = z.object({
  key: customerKeySchema,
  /** The key itself, shown once. It is stored nowhere: only its sha256 is kept. */
  secret: z.string(),
});

const expiresInDays = z.number().int().min(1).max(3650).nullable().default(365);

export const customerKeysIssue = command('customerKeys.issue', {
  summary: 'Issue a customer API key (ume_live_… or ume_test_…), shown once. Admins only.',
  request: z.strictObject({
    customerId: z.uuid(),
    mode: z.enum(['live', 'test']),
    label: z.string().trim().max(80).default(''),
    expiresInDays,
  }),
  response: secretResponse,
  roles: ['admin'],
});

export const customerKeysRotate = command('customerKeys.rotate', {
  summary: 'Replace a customer key with a new one; the old one keeps working for the grace period (0: stops now). Admins only.',
  request: z.strictObject({ keyId: z.uuid(), graceHours: z.number().int().min(0).max(720).default(24), expiresInDays }),
  response: secretResponse.extend({ previous: customerKeySchema }),
  roles: ['admin'],
});

export const customerKeysRevoke = command('customerKeys.revoke', {
  summary: 'Revoke a customer key now: every later request with it is refused.',
  request: z.strictObject({ keyId: z.uuid(), reason: z.string().trim().min(3, 'Say why the key is revoked.').max(2000) }),
  response: z.object({ key: customerKeySchema }),
});
