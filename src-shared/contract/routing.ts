import { z } from 'zod';
import { REJECT_REASONS } from '../domain/routing/types';
import { command, isoTime, query } from './channel';

const countryCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{2}$/, 'Use an ISO 3166-1 alpha-2 code such as DE or KE.'));

export const chosenNodeSchema = z.object({
  nodeId: z.string(),
  hostname: z.string(),
  runtimeId: z.string(),
  siteId: z.string(),
  siteName: z.string(),
  corridorId: z.string(),
  corridorName: z.string(),
  estimatedLatencyMs: z.number(),
  score: z.number(),
});

export const decisionSchema = z.object({
  corridorId: z.string().nullable(),
  region: z.string().nullable(),
  selected: chosenNodeSchema.nullable(),
  fallback: chosenNodeSchema.nullable(),
  policyReason: z.string(),
  funnel: z.array(z.object({ reason: z.enum(REJECT_REASONS), removed: z.number().int() })),
  considered: z.number().int(),
  eligible: z.number().int(),
  regulated: z.boolean(),
  explanation: z.string().nullable(),
});

export const simulationInput = z.strictObject({
  customerId: z.uuid(),
  model: z.string().trim().min(1).max(300),
  originCountry: countryCode,
  originLat: z.number().min(-90).max(90).nullable().default(null),
  originLon: z.number().min(-180).max(180).nullable().default(null),
  workloadClass: z.string().trim().min(1).max(60).default('general'),
  estimatedTokens: z.number().int().min(1).max(10_000_000).default(1000),
});

const sitePoint = z.object({ siteId: z.string(), name: z.string(), lat: z.number(), lon: z.number() });

export const routingSimulate = command('routing.simulate', {
  summary: 'Route one request on the current snapshot, record the decision, and optionally save it as evidence.',
  request: simulationInput.extend({ saveAsEvidence: z.boolean().default(false) }),
  response: z.object({
    decisionId: z.uuid(),
    decidedAt: isoTime,
    inputsDigest: z.string(),
    decision: decisionSchema,
    evidenceId: z.uuid().nullable(),
    /** Where the chosen and fallback nodes are, for the map. */
    points: z.object({ selected: sitePoint.nullable(), fallback: sitePoint.nullable() }),
  }),
});

export const outageSchema = z.strictObject({
  siteIds: z.array(z.uuid()).max(500).default([]),
  corridorIds: z.array(z.uuid()).max(50).default([]),
  runtimeIds: z.array(z.uuid()).max(2000).default([]),
});

export const routingWhatIf = query('routing.whatIf', {
  summary: 'Mark sites, corridors or runtimes down and see where each customer’s traffic would go, and what could no longer be served.',
  request: outageSchema.extend({ originCountry: countryCode.optional() }),
  response: z.object({
    rows: z.array(
      z.object({
        customerId: z.string(),
        customerName: z.string(),
        model: z.string(),
        outcome: z.enum(['unchanged', 'moved', 'lost', 'still_unserved']),
        before: z.string().nullable(),
        after: z.string().nullable(),
        explanation: z.string().nullable(),
      }),
    ),
    summary: z.object({ unchanged: z.number().int(), moved: z.number().int(), lost: z.number().int(), stillUnserved: z.number().int() }),
    /** Set when the org has more customers or customer × model pairs than one what-if routes: the answer covers the first ones only. */
    partial: z.object({ customers: z.number().int(), requests: z.number().int() }).nullable(),
  }),
});

export const decisionRecordSchema = z.object({
  id: z.uuid(),
  decidedAt: isoTime,
  source: z.enum(['simulation', 'gateway']),
  customerName: z.string().nullable(),
  model: z.string(),
  originCountry: z.string(),
  workloadClass: z.string(),
  inputsDigest: z.string(),
  /** The region of the corridor it went to, as recorded (e.g. north_america); and that corridor's name as every other view shows it. */
  region: z.string().nullable(),
  corridorName: z.string().nullable(),
  selectedHostname: z.string().nullable(),
  fallbackHostname: z.string().nullable(),
  policyReason: z.string(),
  explanation: z.string().nullable(),
  rejected: z.record(z.string(), z.number()),
  considered: z.number().int(),
  eligible: z.number().int(),
  replayable: z.boolean(),
});

export const routingDecisions = query('routing.decisions', {
  summary: 'Recent routing decisions, newest first; or the one decision named (a link from a customer’s page).',
  request: z.strictObject({ limit: z.number().int().min(1).max(500).default(50), decisionId: z.uuid().optional() }),
  response: z.object({ decisions: z.array(decisionRecordSchema) }),
});

export const routingReplay = query('routing.replay', {
  summary: 'Decide a stored simulation again on its stored inputs and say whether it comes out the same.',
  request: z.strictObject({ decisionId: z.uuid() }),
  response: z.object({ same: z.boolean(), digestMatches: z.boolean(), decision: decisionSchema }),
});
