import { z } from 'zod';
import { isoTime, query } from './channel';

/** What a bundle covers: the whole org over a period (to exclusive), one incident, one failover drill, or one customer pilot. */
export const bundleScopeSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({ kind: z.literal('period'), from: isoTime, to: isoTime })
    .refine((s) => s.from < s.to, { message: '“From” must be before “to”.', path: ['to'] }),
  z.strictObject({ kind: z.literal('incident'), incidentId: z.uuid('Pick an incident.') }),
  z.strictObject({ kind: z.literal('pilot'), pilotId: z.uuid('Pick a customer pilot.') }),
  z.strictObject({ kind: z.literal('drill'), drillId: z.uuid('Pick a failover drill.') }),
  z.strictObject({ kind: z.literal('corridor'), corridorId: z.uuid('Pick a corridor.') }),
]);
export type BundleScopeInput = z.infer<typeof bundleScopeSchema>;

const exportId = z.uuid();
const phase = z.enum(['anchoring', 'records', 'signing', 'zipping', 'done']);

const exportedSchema = z.object({
  fileName: z.string().max(200),
  /** Where it was written (this computer), and the download address on the browser host. */
  path: z.string().max(4096),
  downloadPath: z.string().max(300),
  bytes: z.number().int().min(0),
  events: z.number().int().min(0),
  files: z.number().int().min(0),
  fingerprint: z.string().max(100),
  treeSize: z.number().int().min(0),
});
export type ExportedBundleInfo = z.infer<typeof exportedSchema>;

export const bundlesExport = query('bundles.export', {
  summary:
    'Export a signed evidence bundle (zip) of a scope to this workstation’s evidence folder: records, audit events with proofs against a signed checkpoint, SHA256SUMS signed for ssh-keygen and openssl, a README and an offline report. Read-only: auditors may export.',
  request: z.strictObject({ exportId, scope: bundleScopeSchema }),
  response: exportedSchema,
  // It signs with the org key in this workstation's keychain and writes a file: not from a wall display.
  readOnlyAllowed: false,
});

export const bundlesProgress = query('bundles.progress', {
  summary: 'How far an export under way has got (none when it is not running).',
  request: z.strictObject({ exportId }),
  response: z.object({
    running: z.boolean(),
    phase: phase.nullable(),
    done: z.number().int().min(0),
    total: z.number().int().min(0).nullable(),
    /** How it ended (kept 10 minutes): the browser host's call may have given up before it did. */
    result: exportedSchema.nullable(),
    error: z.object({ code: z.string().max(40), message: z.string().max(2000) }).nullable(),
  }),
  needsDb: false,
});

export const bundlesCancel = query('bundles.cancel', {
  summary: 'Cancel an export under way: nothing is left behind (no partial file).',
  request: z.strictObject({ exportId }),
  response: z.object({ cancelled: z.boolean() }),
  needsDb: false,
});

const uploadId = z.uuid();

/** A chunk of a bundle being opened (base64 of at most 128 KiB: one contract frame). */
export const bundlesOpenChunk = query('bundles.openChunk', {
  summary: 'Send the next chunk of an evidence bundle to open (in order, from byte 0); the first starts the upload. Needs no database.',
  request: z.strictObject({ uploadId, offset: z.number().int().min(0), data: z.base64().max(174_764, 'A chunk is at most 128 KiB.') }),
  response: z.object({ received: z.number().int() }),
  needsDb: false,
});

const verdictSchema = z.object({
  ok: z.boolean(),
  bytes: z.number().int(),
  fingerprint: z.string().max(100).nullable(),
  checks: z.array(z.object({ name: z.string().max(60), ok: z.boolean(), detail: z.string().max(2000) })),
  /** What the bundle says of itself (read from it: trusted only as far as the checks above pass). */
  manifest: z
    .object({
      bundleId: z.string(),
      orgName: z.string(),
      simulated: z.boolean(),
      scope: z.string(),
      exportedAt: z.string(),
      appVersion: z.string(),
      /** The signer identity for `ssh-keygen -Y verify -I`. */
      identity: z.string(),
      files: z.number().int(),
      events: z.number().int(),
      treeSize: z.number().int(),
      counts: z.array(z.object({ file: z.string(), lines: z.number().int() })),
    })
    .nullable(),
});
export type OpenedBundle = z.infer<typeof verdictSchema>;

export const bundlesOpen = query('bundles.open', {
  summary:
    'Verify an uploaded evidence bundle as `npm run evidence -- verify` does, with no database and no network: every file against SHA256SUMS, both signatures, the file count, every audit event against the signed checkpoint; optionally against a pinned key fingerprint. The upload is deleted after.',
  request: z.strictObject({
    uploadId,
    pin: z
      .string()
      .trim()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint looks like SHA256: followed by 43 characters (as the app shows it).')
      .optional(),
  }),
  response: verdictSchema,
  needsDb: false,
});

export const bundlesOpenCancel = query('bundles.openCancel', {
  summary: 'Stop opening a bundle: the part received is deleted.',
  request: z.strictObject({ uploadId }),
  response: z.object({ cancelled: z.boolean() }),
  needsDb: false,
});
