import { z } from 'zod';
import { command, query } from './channel';

/**
 * Credentials (issue 16, "Rotate all credentials"): the inventory of every credential the app
 * knows (from records and "set / not set", never a secret) and rotate-all runs. One run rotates one
 * credential per `credentials.step`, so progress shows per credential and a cancel lands between two.
 */
export const CREDENTIAL_KINDS = ['session', 'signing_key', 'database_role', 'ingest_login', 'customer_key', 'runtime_credential', 'notify_secret', 'node_key'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
export const ROTATION_MODES = ['compromise', 'scheduled'] as const;
export const RUN_STATES = ['running', 'cancelled', 'failed', 'done', 'closed'] as const;
export const ITEM_STATES = ['pending', 'rotated', 'failed', 'manual', 'skipped'] as const;
/** Typed in the Rotate all dialog before a compromise run (no grace: every old credential stops at once). */
export const COMPROMISE_CONFIRMATION = 'ROTATE ALL';
const ADMIN = ['admin'] as const;

export const credentialSchema = z.object({
  kind: z.enum(CREDENTIAL_KINDS),
  /** Key id, role name, fingerprint or channel id: what names it, never what it is. */
  ref: z.string(),
  label: z.string(),
  owner: z.string(),
  whereUsed: z.string(),
  createdAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  /** Whether the app can rotate it; if not, `howToRotate` says who can and how. */
  rotatable: z.boolean(),
  howToRotate: z.string().nullable(),
});
export type Credential = z.infer<typeof credentialSchema>;

export const rotationItemSchema = z.object({
  id: z.uuid(),
  position: z.number().int(),
  stage: z.number().int(),
  kind: z.enum(CREDENTIAL_KINDS),
  ref: z.string(),
  label: z.string(),
  owner: z.string(),
  oldRef: z.string().nullable(),
  newRef: z.string().nullable(),
  state: z.enum(ITEM_STATES),
  detail: z.string().nullable(),
  action: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  delivery: z.enum(['none', 'held', 'revealed', 'lost']),
});
export type RotationItem = z.infer<typeof rotationItemSchema>;

export const rotationRunSchema = z.object({
  id: z.uuid(),
  mode: z.enum(ROTATION_MODES),
  graceHours: z.number().int(),
  state: z.enum(RUN_STATES),
  reason: z.string().nullable(),
  stopReason: z.string().nullable(),
  startedBy: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  counts: z.object({ total: z.number().int(), pending: z.number().int(), rotated: z.number().int(), failed: z.number().int(), manual: z.number().int(), skipped: z.number().int() }),
});
export type RotationRun = z.infer<typeof rotationRunSchema>;

export const rotationRunDetailSchema = rotationRunSchema.extend({ items: z.array(rotationItemSchema) });
export type RotationRunDetail = z.infer<typeof rotationRunDetailSchema>;

/** Per node: new keys not yet presented by their node (the old key may still be). */
export const pendingSwitchSchema = z.object({
  nodeId: z.uuid(),
  hostname: z.string(),
  newPrefix: z.string(),
  oldPrefix: z.string(),
  oldStillWorks: z.boolean(),
  oldLastUsedAt: z.string().nullable(),
});

export const credentialsList = query('credentials.list', {
  summary: 'Every credential the app knows (kind, owner, where used, age, last use), the last rotation runs, and nodes not yet switched to a new key.',
  request: z.strictObject({}),
  response: z.object({
    credentials: z.array(credentialSchema),
    runs: z.array(rotationRunSchema),
    openRunId: z.uuid().nullable(),
    pendingSwitch: z.array(pendingSwitchSchema),
  }),
});

const runRef = { runId: z.uuid() };

export const credentialsRun = query('credentials.run', {
  summary: 'One rotation run with each credential it covers, in order: its state, what was verified, and what is left to do.',
  request: z.strictObject(runRef),
  response: z.object({ run: rotationRunDetailSchema }),
});

export const credentialsStart = command('credentials.start', {
  summary: 'Plan a rotate-all run over every credential in the documented order; compromise mode needs the typed confirmation.',
  request: z.strictObject({
    mode: z.enum(ROTATION_MODES),
    /** Scheduled mode only: how long replaced keys keep working (default 24 h). */
    graceHours: z.number().int().min(1).max(720).optional(),
    confirm: z.string().max(40).optional(),
    reason: z.string().trim().min(3).max(2000),
  }),
  response: z.object({ run: rotationRunDetailSchema }),
  roles: ADMIN,
});

export const credentialsStep = command('credentials.step', {
  summary: 'Rotate the next credential of a running run (new one verified before the old one is retired); finishes the run after the last.',
  request: z.strictObject(runRef),
  response: z.object({ run: rotationRunDetailSchema, item: rotationItemSchema.nullable() }),
  roles: ADMIN,
});

export const credentialsCancel = command('credentials.cancel', {
  summary: 'Stop a running run between two credentials; it can be resumed.',
  request: z.strictObject(runRef),
  response: z.object({ run: rotationRunDetailSchema }),
  roles: ADMIN,
});

export const credentialsResume = command('credentials.resume', {
  summary: 'Resume a cancelled or failed run at the first credential not finished.',
  request: z.strictObject(runRef),
  response: z.object({ run: rotationRunDetailSchema }),
  roles: ADMIN,
});

export const credentialsClose = command('credentials.close', {
  summary: 'Close a cancelled or failed run as it stands (its report keeps what was not rotated and why).',
  request: z.strictObject({ ...runRef, reason: z.string().trim().min(3).max(2000) }),
  response: z.object({ run: rotationRunDetailSchema }),
  roles: ADMIN,
});

export const credentialsReveal = command('credentials.reveal', {
  summary: 'Show once the new secret of a node or customer key a run made, to deliver it; it is then gone from this workstation.',
  request: z.strictObject({ itemId: z.uuid() }),
  response: z.object({ secret: z.string(), prefix: z.string(), deliverTo: z.string() }),
  roles: ADMIN,
});
