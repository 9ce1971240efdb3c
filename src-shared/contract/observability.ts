import { z } from 'zod';
import { COMPONENT_STATES } from '../domain/component-status';
import { HEALTH_STATES } from '../domain/node-health';
import { auditEventSchema } from './audit';
import { alertInstanceSchema, evaluationStatusSchema } from './alerts';
import { command, empty, isoTime, query } from './channel';
import { runSummarySchema } from './checklists';
import { incidentSummarySchema } from './incidents';

export const SCORE_NAMES = ['health', 'routing', 'energy', 'security'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

export const scoreSchema = z.object({ value: z.number().nullable(), explain: z.string() });

export const corridorFiguresSchema = z.object({
  /** null: the whole grid. */
  corridorId: z.uuid().nullable(),
  name: z.string(),
  scores: z.object({ health: scoreSchema, routing: scoreSchema, energy: scoreSchema, security: scoreSchema }),
  nodes: z.object({ running: z.number().int(), byHealth: z.record(z.enum(HEALTH_STATES), z.number().int()) }),
  /** Over the last five complete minutes; null when no node reported. */
  latency: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
  errorRate: z.number().nullable(),
  queueSum: z.number().nullable(),
  queueP95: z.number().nullable(),
  tokensPerS: z.number().nullable(),
  whPer1kTokens: z.number().nullable(),
  /** The minute the figures end with (null when there are none). */
  figuresUntil: isoTime.nullable(),
});
export type CorridorFigures = z.infer<typeof corridorFiguresSchema>;

export const observabilityOverview = query('observability.overview', {
  summary: 'Health, routing, energy and security scores, latency, errors, queues and energy per token, per corridor and overall.',
  request: empty,
  response: z.object({ at: isoTime, energyTargetWhPer1k: z.number(), overall: corridorFiguresSchema, corridors: z.array(corridorFiguresSchema) }),
});

export const seriesPointSchema = z.object({
  t: isoTime,
  nodesReporting: z.number().int(),
  latencyP50: z.number().nullable(),
  latencyP95: z.number().nullable(),
  latencyP99: z.number().nullable(),
  errorRate: z.number().nullable(),
  queueSum: z.number().nullable(),
  queueP95: z.number().nullable(),
  tokensPerS: z.number().nullable(),
  whPer1kTokens: z.number().nullable(),
});

export const observabilitySeries = query('observability.series', {
  summary: 'Per-minute (last hour) or per-5-minute (last day) figures of a corridor or the whole grid.',
  request: z.strictObject({ corridorId: z.uuid().nullable().default(null), window: z.enum(['1h', '24h']).default('1h') }),
  response: z.object({ stepSeconds: z.number().int(), from: isoTime, to: isoTime, points: z.array(seriesPointSchema) }),
});

export const drilldownRowSchema = z.object({
  nodeId: z.uuid(),
  hostname: z.string(),
  site: z.string(),
  corridor: z.string(),
  /** Why this node lowers the score, in words. */
  finding: z.string(),
  value: z.number().nullable(),
});

export const observabilityDrilldown = query('observability.drilldown', {
  summary: 'The nodes behind a score: those that lower it, worst first.',
  request: z.strictObject({ corridorId: z.uuid().nullable().default(null), score: z.enum(SCORE_NAMES), limit: z.number().int().min(1).max(1000).default(200) }),
  response: z.object({ score: scoreSchema, rows: z.array(drilldownRowSchema), total: z.number().int() }),
});

export const observabilitySetEnergyTarget = command('observability.setEnergyTarget', {
  summary: 'Set the energy target (Wh per 1,000 tokens) the energy score measures against (admins).',
  request: z.strictObject({ whPer1k: z.number().positive('A positive number.').max(1000), reason: z.string().trim().min(3, 'Say why.').max(2000) }),
  response: z.object({ whPer1k: z.number() }),
  roles: ['admin'],
});

export const operatorSummary = query('operator.summary', {
  summary: 'Mission control on one screen: open critical/high incidents, firing alerts, corridor health, today’s checklist, recent audit events.',
  request: empty,
  response: z.object({
    at: isoTime,
    incidents: z.array(incidentSummarySchema),
    firing: z.array(alertInstanceSchema),
    evaluation: evaluationStatusSchema,
    corridors: z.array(
      z.object({
        corridorId: z.uuid(),
        name: z.string(),
        /** The health score, a figure beside the verdict. */
        score: z.number().nullable(),
        /** The verdict, by the one corridor definition (domain/corridor-health). */
        health: z.enum(HEALTH_STATES),
        basis: z.enum(['computed', 'incident', 'declared', 'none']),
        declared: z.enum(COMPONENT_STATES).nullable(),
        label: z.string(),
        explain: z.string(),
        running: z.number().int(),
        critical: z.number().int(),
        readiness: z.string(),
      }),
    ),
    checklist: runSummarySchema.nullable(),
    audit: z.array(auditEventSchema),
  }),
});

/** One gateway instance as its request records show it (mc.api_requests, by gateway_instance). */
export const gatewayInstanceSchema = z.object({
  instance: z.string(),
  /** Its records are the demo's simulated traffic. */
  simulated: z.boolean(),
  lastRequestAt: isoTime,
  requests15m: z.number().int(),
  /** Answered without serving (limits, no route, upstream failure, bad request…). */
  refused15m: z.number().int(),
  requests1h: z.number().int(),
  refused1h: z.number().int(),
  /** The last hour's refusals by outcome, most first. */
  refusedBy: z.array(z.object({ outcome: z.string(), count: z.number().int() })),
});
export type GatewayInstance = z.infer<typeof gatewayInstanceSchema>;

export const observabilityGateway = query('observability.gateway', {
  summary: "The customer gateway: the one this app runs (address, whether it answers, the database login it uses; never a secret) and every instance's requests and refusals from the request records.",
  request: empty,
  response: z.object({
    at: isoTime,
    /** The gateway this process runs (the embedded demo's), asked live; null when it runs none. */
    local: z
      .object({
        url: z.string(),
        instance: z.string(),
        /** The Postgres login it runs as (a member of mc_gateway): a name, never its password. */
        login: z.string(),
        since: isoTime,
        simulated: z.boolean(),
        /** Its /healthz answered within 2 s, and what it said. */
        up: z.boolean(),
        database: z.boolean().nullable(),
        spoolBacklog: z.number().int().nullable(),
        error: z.string().nullable(),
      })
      .nullable(),
    /** Instances with a request recorded in the last hour, latest first. */
    instances: z.array(gatewayInstanceSchema),
  }),
});
