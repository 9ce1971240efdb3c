import { z } from 'zod';
import { actorRef, command, idsEvent, isoTime, query, topic } from './channel';

export const ENVIRONMENTS = ['production', 'staging', 'scratch'] as const;
export const DEPLOYMENT_STATUSES = ['planned', 'in_progress', 'canary', 'succeeded', 'failed', 'rolled_back'] as const;

export const canaryStageSchema = z.strictObject({
  percent: z.number().int().min(1).max(100),
  windowMinutes: z.number().int().min(1).max(10_080),
});

export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'A sha256 is 64 lower-case hex characters.');
/** Evidence of an environment change (deployment run, migration run, flag change): a URI and the sha256 of what it names. */
export const evidenceSchema = z.object({ uri: z.string(), sha256: sha256Hex, at: isoTime, by: actorRef.nullable() });
/** What an operator gives to attach evidence; the sha256 is computed here for a local file: URI. */
export const evidenceFields = { uri: z.string().trim().min(3).max(2000), sha256: sha256Hex.nullable().default(null) };

export const deploymentRunSchema = z.object({
  id: z.uuid(),
  releaseName: z.string(),
  environment: z.enum(ENVIRONMENTS),
  corridorId: z.uuid().nullable(),
  corridorName: z.string().nullable(),
  siteIds: z.array(z.uuid()),
  runtimeGroup: z.string().nullable(),
  status: z.enum(DEPLOYMENT_STATUSES),
  canaryStages: z.array(canaryStageSchema),
  stageIndex: z.number().int().nullable(),
  canaryPercent: z.number().int().nullable(),
  stageStartedAt: isoTime.nullable(),
  rollbackRequired: z.boolean(),
  failureReason: z.string().nullable(),
  rollbackPlan: z.string(),
  evidence: evidenceSchema.nullable(),
  /** The migration runs and flag changes that belong to this release (linked by id). */
  links: z.object({
    migrations: z.array(z.object({ id: z.uuid(), fileName: z.string(), status: z.string() })),
    flagChanges: z.array(z.object({ id: z.number().int(), message: z.string(), at: isoTime })),
  }),
  createdAt: isoTime,
  createdBy: actorRef.nullable(),
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
});
export type DeploymentRun = z.infer<typeof deploymentRunSchema>;

export const doraSchema = z.object({
  environment: z.string(),
  corridorId: z.uuid().nullable(),
  corridorName: z.string().nullable(),
  deployments: z.number().int(),
  perWeek: z.number(),
  changeFailureRate: z.number().nullable(),
  medianRestoreMinutes: z.number().nullable(),
  unrestored: z.number().int(),
  medianLeadMinutes: z.number().nullable(),
});

export const changeEventSchema = z.object({
  id: z.number().int(),
  at: isoTime,
  kind: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  subjectId: z.uuid().nullable(),
  message: z.string(),
});

export const deploymentsList = query('deployments.list', {
  summary: 'The deployment run ledger, DORA figures per environment and corridor, changes without evidence, and change alerts.',
  request: z.strictObject({ days: z.number().int().min(1).max(365).default(30) }),
  response: z.object({
    runs: z.array(deploymentRunSchema),
    dora: z.array(doraSchema),
    period: z.object({ from: isoTime, to: isoTime }),
    /** Daily checklist item 6: environment changes that have no evidence attached yet. */
    // Deployment and migration runs by uuid, flag changes by their change event's id.
    withoutEvidence: z.array(z.object({ kind: z.enum(['deployment', 'migration', 'flag']), id: z.string(), name: z.string(), at: isoTime })),
    events: z.array(changeEventSchema),
  }),
});

export const deploymentsCreate = command('deployments.create', {
  summary: 'Record a planned deployment run.',
  request: z.strictObject({
    releaseName: z.string().trim().min(2, 'Name the release (at least 2 characters).').max(120),
    environment: z.enum(ENVIRONMENTS),
    corridorId: z.uuid().nullable().default(null),
    siteIds: z.array(z.uuid()).max(200).default([]),
    runtimeGroup: z.string().trim().max(80).nullable().default(null),
    canaryStages: z.array(canaryStageSchema).max(10).default([]),
    rollbackPlan: z.string().trim().max(4000).default(''),
  }),
  response: z.object({ run: deploymentRunSchema }),
});

export const deploymentsStart = command('deployments.start', {
  summary: 'Start a planned run: in progress, or at its first canary stage.',
  request: z.strictObject({ id: z.uuid() }),
  response: z.object({ run: deploymentRunSchema }),
});

export const deploymentsAdvance = command('deployments.advance', {
  summary: 'Check a canary against its monitoring window and the target’s alerts: promote, hold, or abort.',
  request: z.strictObject({ id: z.uuid() }),
  response: z.object({ run: deploymentRunSchema, decision: z.enum(['wait', 'promote', 'succeed', 'hold', 'abort']), message: z.string() }),
});

export const deploymentsFinish = command('deployments.finish', {
  summary: 'Finish a run as succeeded or failed (audited as deployments.finish), or roll it back (audited as deployments.rollback, with what was rolled back and why).',
  request: z.strictObject({
    id: z.uuid(),
    outcome: z.enum(['succeeded', 'failed', 'rolled_back']),
    reason: z.string().trim().max(2000).optional(),
  }),
  response: z.object({ run: deploymentRunSchema }),
});

export const deploymentsAttachEvidence = command('deployments.attachEvidence', {
  summary: 'Attach evidence to a run: a URI and the sha256 of what it names (computed here for a local file).',
  request: z.strictObject({
    id: z.uuid(),
    uri: z.string().trim().min(3).max(2000),
    sha256: sha256Hex.nullable().default(null),
  }),
  response: z.object({ run: deploymentRunSchema }),
});

export const deploymentsLink = command('deployments.link', {
  summary: 'Set the migration runs and feature-flag changes that belong to a run (by id; replaces the links).',
  request: z.strictObject({
    id: z.uuid(),
    migrationRunIds: z.array(z.uuid()).max(50).default([]),
    flagChangeIds: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).max(50).default([]),
  }),
  response: z.object({ run: deploymentRunSchema }),
});

export const deploymentsChanged = topic('deployments.changed', {
  summary: 'Deployment runs changed (ids, coalesced).',
  params: z.object({}).strict(),
  event: idsEvent,
});
