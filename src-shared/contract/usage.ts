import { z } from 'zod';
import { FINDING_KINDS } from '../domain/usage';
import { command, isoTime, query } from './channel';

const count = z.number().int().min(0);

/** What was metered in one slice (a customer, a corridor, a model, a day). */
const meteredShape = {
  /** Usage events: requests that reached a runtime. */
  requests: count,
  promptTokens: count,
  completionTokens: count,
  totalTokens: count,
  /** Of those, with tokens counted by the gateway because the runtime gave no usage. */
  estimated: count,
  /** Of those, demo traffic from the simulated clients. */
  simulated: count,
};

const period = {
  /** Default: the start of this UTC month. */
  from: isoTime.optional(),
  /** Default: now. */
  to: isoTime.optional(),
};

export const customerUsageSchema = z.object({
  customerId: z.uuid(),
  name: z.string(),
  tier: z.string(),
  ...meteredShape,
  /** Requests the gateway answered without serving (limits, no route, upstream failure…). */
  refused: count,
  committedRequestsPerMin: count,
  committedTokensPerMin: count,
  /**
   * The busiest minute of the period, and the average minute over `avgOverMinutes`: the minutes of
   * the period from when the customer was added (or its first request, if older) up to now, idle
   * ones included.
   */
  peakRequestsPerMin: count,
  peakTokensPerMin: count,
  avgRequestsPerMin: z.number().min(0),
  avgTokensPerMin: z.number().min(0),
  avgOverMinutes: count,
});
export type CustomerUsage = z.infer<typeof customerUsageSchema>;

export const usageSummary = query('usage.summary', {
  summary: 'Metered usage for a period: totals per customer (committed against used), corridor, model and UTC day.',
  request: z.strictObject({ ...period, includeSimulated: z.boolean().default(true) }),
  response: z.object({
    from: isoTime,
    to: isoTime,
    includeSimulated: z.boolean(),
    totals: z.object({ ...meteredShape, refused: count, answered: count }),
    customers: z.array(customerUsageSchema),
    corridors: z.array(z.object({ corridorId: z.uuid().nullable(), name: z.string(), ...meteredShape })),
    models: z.array(z.object({ model: z.string(), ...meteredShape })),
    days: z.array(z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), ...meteredShape })),
  }),
});

export const findingSchema = z.object({
  kind: z.enum(FINDING_KINDS),
  cause: z.string(),
  explained: z.boolean(),
  /** Requests (or probe intervals, for counter findings) concerned. */
  count,
  /** Tokens concerned: missing, extra or estimated (signed for counters: runtime minus metered). */
  tokens: z.number().int(),
  runtimeId: z.uuid().nullable(),
  runtimeName: z.string().nullable(),
  /** Up to five request ids to look up. */
  requestIds: z.array(z.string()).max(5),
});
export type Finding = z.infer<typeof findingSchema>;

export const reconWindowSchema = z.object({
  from: isoTime,
  to: isoTime,
  status: z.enum(['idle', 'clean', 'explained', 'discrepancy']),
  /** Request log rows that reached a runtime, and usage events, in the window. */
  servedRequests: count,
  usageEvents: count,
  matched: count,
  logTokens: count,
  meteredTokens: count,
  /** Runtime counter deltas over the probe intervals ending in the window, and what was metered over those same intervals. */
  counterTokens: count.nullable(),
  counterMeteredTokens: count.nullable(),
  simulated: count,
  findings: z.array(findingSchema),
});
export type ReconWindow = z.infer<typeof reconWindowSchema>;

export const reconciliationSchema = z.object({
  id: z.uuid(),
  createdAt: isoTime,
  createdBy: z.string(),
  from: isoTime,
  to: isoTime,
  windowMinutes: z.number().int(),
  outcome: z.enum(['clean', 'explained', 'discrepancy', 'no_traffic']),
  windowsTotal: count,
  windowsFlagged: count,
  unexplained: count,
  explained: count,
  totals: z.object({
    servedRequests: count,
    usageEvents: count,
    logTokens: count,
    meteredTokens: count,
    counterTokens: count,
    runtimesWithCounters: count,
    /** Metered tokens on counted runtimes after their last probe in the period: compared on the next run. */
    unprobedTokens: count,
  }),
  sha256: z.string(),
});
export type Reconciliation = z.infer<typeof reconciliationSchema>;

export const usageReconcile = command('usage.reconcile', {
  summary: 'Reconcile metering with the API request log and the runtimes’ token counters per hour over a period (default: today so far), and keep the result as a record.',
  request: z.strictObject(period),
  response: z.object({ reconciliation: reconciliationSchema, windows: z.array(reconWindowSchema) }),
});

export const usageReconciliations = query('usage.reconciliations', {
  summary: 'The newest reconciliation records.',
  request: z.strictObject({ limit: z.number().int().min(1).max(200).default(30) }),
  response: z.object({ reconciliations: z.array(reconciliationSchema) }),
});

export const usageReconciliation = query('usage.reconciliation', {
  summary: 'One reconciliation record with its windows and findings.',
  request: z.strictObject({ id: z.uuid() }),
  response: z.object({ reconciliation: reconciliationSchema, windows: z.array(reconWindowSchema) }),
});
