/**
 * The routing engine's inputs and its decision record. Everything here is plain data so that a
 * stored decision can be replayed: the same snapshot and request give the same decision.
 */
import type { ResidencyPolicy } from '../residency';

export const TIERS = ['pilot', 'enterprise', 'sovereign'] as const;
export type Tier = (typeof TIERS)[number];

/** Where traffic may go when the home corridor cannot serve it. */
export type FailoverRule = { kind: 'same_corridor' } | { kind: 'fallback_corridor'; corridorId: string } | { kind: 'none' };

export interface SlaTerms {
  name: string;
  uptimeTargetPct: number;
  p95TargetMs: number;
  escalationWindowMin: number;
  failover: FailoverRule;
}

export interface CorridorInfo {
  id: string;
  name: string;
  region: string;
  policy: ResidencyPolicy;
}

export type CircuitState = 'closed' | 'open' | 'half_open';
export type RuntimeHealth = 'healthy' | 'degraded' | 'down' | 'unknown';

/** One node × runtime that could take the request; one row per model it serves. */
export interface Candidate {
  nodeId: string;
  hostname: string;
  runtimeId: string;
  runtimeKind: string;
  siteId: string;
  siteName: string;
  siteCountry: string;
  siteLat: number;
  siteLon: number;
  corridorId: string;
  lifecycle: string;
  /** The node's telemetry health (node-health.ts) and the runtime's probe verdict. */
  nodeHealth: string;
  runtimeHealth: RuntimeHealth;
  circuit: CircuitState;
  models: readonly { id: string; contextLength: number | null }[];
  /** Latest load, null where never measured (then the node is not assumed idle: see capacity rule). */
  runningRequests: number | null;
  waitingRequests: number | null;
  kvCacheUsage: number | null;
  tokensPerS: number | null;
  capacityTokensPerS: number;
  p95LatencyMs: number | null;
  /** Sovereign customers only run on nodes reserved for them. */
  reservedFor: readonly string[];
}

/** Operator metadata from the model catalog; a model without an entry is open to every tier and workload. */
export interface ModelPolicy {
  model: string;
  allowedTiers: readonly Tier[];
  regulatedOk: boolean;
}

export interface RoutingSnapshot {
  corridors: readonly CorridorInfo[];
  candidates: readonly Candidate[];
  modelPolicies?: readonly ModelPolicy[];
}

export interface RoutingRequest {
  customerId: string;
  customerName: string;
  tier: Tier;
  homeCorridorId: string;
  sla: SlaTerms;
  model: string;
  origin: { country: string; lat: number | null; lon: number | null };
  /** A workload class; regulated when the home corridor's policy lists it (or it is literally "regulated"). */
  workloadClass: string;
  estimatedTokens: number;
  /**
   * The customer's allowed corridors (mc.customers.allowed_corridor_ids): they narrow what
   * residency and the failover rule allow, never widen it. Absent or empty = no narrowing, which
   * is also how decisions stored before this field replay.
   */
  allowedCorridorIds?: readonly string[];
}

/** Why a group of candidates was removed, in funnel order. */
export const REJECT_REASONS = [
  'model_not_served',
  'model_not_offered',
  'residency',
  'customer_corridors',
  'reservation',
  'context_too_short',
  'lifecycle',
  'unhealthy',
  'circuit_open',
  'over_capacity',
  'over_sla_p95',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const REJECT_LABELS: Record<RejectReason, string> = {
  model_not_served: 'Model not served',
  model_not_offered: 'Model not offered to this tier or workload (catalog)',
  residency: 'Residency policy',
  customer_corridors: 'Outside the customer’s allowed corridors',
  reservation: 'Not reserved for this customer',
  context_too_short: 'Context window too short',
  lifecycle: 'Not active (draining, offline, registered, retired)',
  unhealthy: 'Unhealthy',
  circuit_open: 'Circuit open',
  over_capacity: 'Over capacity',
  over_sla_p95: 'Over the SLA’s p95',
};

export interface ChosenNode {
  nodeId: string;
  hostname: string;
  runtimeId: string;
  siteId: string;
  siteName: string;
  corridorId: string;
  corridorName: string;
  estimatedLatencyMs: number;
  score: number;
}

export interface RoutingDecision {
  /** The corridor (region) the request is served in, or null when no node is possible. */
  corridorId: string | null;
  region: string | null;
  selected: ChosenNode | null;
  fallback: ChosenNode | null;
  policyReason: string;
  /** How many candidates each rule removed, in funnel order, and how many were left. */
  funnel: { reason: RejectReason; removed: number }[];
  /** Candidates in the snapshot (node × runtime), and how many passed every rule. */
  considered: number;
  eligible: number;
  regulated: boolean;
  /** Set when no node is possible: what an operator would say. */
  explanation: string | null;
}
