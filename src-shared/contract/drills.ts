import { z } from 'zod';
import { command, empty, query } from './channel';

/** Failover drills (issue 15): hypothesis, scope, ordered steps, measured outcome. */
export const DRILL_SCOPE_KINDS = ['corridor', 'site', 'runtime_group'] as const;
export const DRILL_STATES = ['planned', 'running', 'stopped', 'completed', 'aborted'] as const;
const RUNNERS = ['admin', 'incident_commander'] as const;

/** Live figures of the scope at one moment: node lifecycle and health, and whether routing finds targets. */
export const steadyStateSchema = z.object({
  at: z.string(),
  nodes: z.number().int(),
  active: z.number().int(),
  /** Health from each node's latest telemetry (src-shared/domain/node-health.ts). */
  healthy: z.number().int(),
  warning: z.number().int(),
  critical: z.number().int(),
  stale: z.number().int(),
  unknown: z.number().int(),
  simulations: z.number().int(),
  routable: z.number().int(),
});
export type SteadyState = z.infer<typeof steadyStateSchema>;

export const drillStepSchema = z.object({
  position: z.number().int(),
  kind: z.enum(['drain', 'simulate', 'restore']),
  state: z.enum(['pending', 'done', 'skipped']),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  auditSeq: z.number().int().nullable(),
  /** Plain lines of what the step did or found, computed when it ran. */
  summary: z.array(z.string()),
  result: z.record(z.string(), z.unknown()),
});

export const drillSummarySchema = z.object({
  id: z.uuid(),
  hypothesis: z.string(),
  scopeKind: z.enum(DRILL_SCOPE_KINDS),
  scopeTarget: z.string(),
  scopeName: z.string(),
  state: z.enum(DRILL_STATES),
  outcome: z.enum(['passed', 'failed']).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  incidentId: z.uuid().nullable(),
  incidentRef: z.string().nullable(),
});
export type DrillSummary = z.infer<typeof drillSummarySchema>;

export const drillDetailSchema = drillSummarySchema.extend({
  slaPolicy: z.object({ id: z.uuid(), name: z.string() }),
  stopRules: z.array(z.object({ id: z.uuid(), name: z.string(), firing: z.boolean() })),
  steps: z.array(drillStepSchema),
  before: steadyStateSchema.nullable(),
  after: steadyStateSchema.nullable(),
  recoveryMs: z.number().nullable(),
  dataLossMs: z.number().nullable(),
  targets: z.object({ recoveryMs: z.number().nullable(), dataLossMs: z.number().nullable(), basis: z.string() }),
  outcomeReasons: z.array(z.string()),
  endReason: z.string().nullable(),
  evidenceId: z.uuid().nullable(),
  /** The drill's audit events, oldest first: its timeline in the chain. */
  timeline: z.array(z.object({ seq: z.number().int(), at: z.string(), action: z.string(), actor: z.string(), summary: z.string() })),
});
export type DrillDetail = z.infer<typeof drillDetailSchema>;

export const drillsList = query('drills.list', {
  summary: 'Failover drills, newest first (at most 200).',
  request: empty,
  response: z.object({ drills: z.array(drillSummarySchema) }),
});

const option = z.object({ id: z.string(), name: z.string() });

export const drillsOptions = query('drills.options', {
  summary: 'What a new drill can name: corridors, sites, runtime groups, SLA policies and alert rules (at most 500 each).',
  request: empty,
  response: z.object({
    corridors: z.array(option),
    sites: z.array(option),
    runtimeGroups: z.array(option),
    slaPolicies: z.array(option),
    alertRules: z.array(option),
  }),
});

export const drillsGet = query('drills.get', {
  summary: 'One drill: its steps as a runbook, the before/after figures, recovery against the SLA target, outcome.',
  request: z.strictObject({ drillId: z.uuid() }),
  response: z.object({ drill: drillDetailSchema }),
});

export const drillsCreate = command('drills.create', {
  summary: 'Plan a failover drill on a corridor, site or runtime group (admins and incident commanders).',
  request: z.strictObject({
    hypothesis: z.string().trim().min(3, 'Say what the drill should show (at least 3 characters).').max(2000),
    scopeKind: z.enum(DRILL_SCOPE_KINDS, 'Pick corridor, site or runtime group.'),
    scopeTarget: z.string().trim().min(1, 'Pick what the drill covers.').max(100),
    slaPolicyId: z.uuid('Pick the SLA policy the drill is measured against.'),
    stopRuleIds: z.array(z.uuid()).max(20, 'At most 20 stop conditions.').default([]),
  }),
  response: z.object({ drill: drillDetailSchema }),
  roles: RUNNERS,
});

const drillRef = { drillId: z.uuid() };

export const drillsStart = command('drills.start', {
  summary: 'Start a planned drill: capture the steady state and open a drill incident on its scope.',
  request: z.strictObject(drillRef),
  response: z.object({ drill: drillDetailSchema }),
  roles: RUNNERS,
});

export const drillsRunStep = command('drills.runStep', {
  summary: 'Run the next step of a running drill (drain, simulate, restore, in that order); a firing stop condition aborts it instead.',
  request: z.strictObject({ ...drillRef, step: z.enum(['drain', 'simulate', 'restore']) }),
  response: z.object({ drill: drillDetailSchema }),
  roles: RUNNERS,
});

export const drillsStop = command('drills.stop', {
  summary: 'Stop a running drill by hand: anything it drained is put back into service.',
  request: z.strictObject({ ...drillRef, reason: z.string().trim().min(3, 'Say why the drill stops.').max(2000) }),
  response: z.object({ drill: drillDetailSchema }),
  roles: RUNNERS,
});

export const drillsComplete = command('drills.complete', {
  summary: 'Complete a drill whose steps have all run: steady state after, recovery and data-loss window against the SLA policy, outcome, evidence.',
  request: z.strictObject(drillRef),
  response: z.object({ drill: drillDetailSchema }),
  roles: RUNNERS,
});
