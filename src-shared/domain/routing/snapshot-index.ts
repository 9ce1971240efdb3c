/**
 * The snapshot, indexed once when it changes (not per request): model → corridor → site →
 * groups of candidates that share a reservation and a context window. Everything that does not
 * depend on the request (lifecycle, health, circuit, capacity) is decided here and counted, and
 * the survivors are sorted by p95 with a running best, so a request costs a binary search per
 * group instead of a pass over every node.
 */
import type { Candidate, CorridorInfo, ModelPolicy, RejectReason, RoutingSnapshot } from './types';

/** A runtime never measured is not assumed fast: it is scored as if its p95 were this. */
export const UNMEASURED_P95_MS = 500;
/** KV cache this full, or throughput at capacity, means a new request would queue. */
export const KV_CACHE_FULL = 0.95;
/** Load of a node whose load was never measured: not assumed idle. */
export const UNMEASURED_LOAD = 0.5;

export type StaticReason = Extract<RejectReason, 'lifecycle' | 'unhealthy' | 'circuit_open' | 'over_capacity'>;
export const STATIC_REASONS: readonly StaticReason[] = ['lifecycle', 'unhealthy', 'circuit_open', 'over_capacity'];

export interface Entry {
  c: Candidate;
  /** Measured p95 (for the SLA filter); unmeasured counts as 0 there and UNMEASURED_P95_MS in the score. */
  p95: number;
  /** The part of the score that does not depend on the request. */
  baseScore: number;
}

export interface Group {
  siteId: string;
  siteName: string;
  siteCountry: string;
  siteLat: number;
  siteLon: number;
  corridorId: string;
  /** Sorted customer ids the nodes are reserved for; empty = open to every non-sovereign customer. */
  reservedFor: readonly string[];
  contextLength: number | null;
  size: number;
  staticRemoved: Record<StaticReason, number>;
  /** Survivors of the static rules, by p95 ascending, and the index of the best score among the first i+1. */
  entries: Entry[];
  prefixBest: number[];
}

export interface CorridorGroups {
  corridor: CorridorInfo;
  count: number;
  groups: Group[];
}

export interface ModelIndex {
  model: string;
  count: number;
  byCorridor: Map<string, CorridorGroups>;
}

export interface SnapshotIndex {
  policies: Map<string, ModelPolicy>;
  /** Candidates indexed; `unplaced` ones name a corridor the snapshot lacks and are never routable. */
  total: number;
  unplaced: number;
  corridors: Map<string, CorridorInfo>;
  byModel: Map<string, ModelIndex>;
}

export function staticReason(c: Candidate): StaticReason | null {
  if (c.lifecycle !== 'active') return 'lifecycle';
  if (c.runtimeHealth === 'down' || c.runtimeHealth === 'unknown' || c.nodeHealth === 'critical' || c.nodeHealth === 'stale' || c.nodeHealth === 'unknown') return 'unhealthy';
  if (c.circuit === 'open') return 'circuit_open';
  if ((c.kvCacheUsage ?? 0) >= KV_CACHE_FULL) return 'over_capacity';
  if (c.tokensPerS !== null && c.capacityTokensPerS > 0 && c.tokensPerS >= c.capacityTokensPerS) return 'over_capacity';
  return null;
}

export function loadOf(c: Candidate): number {
  if (c.kvCacheUsage === null && c.tokensPerS === null) return UNMEASURED_LOAD;
  const tok = c.tokensPerS !== null && c.capacityTokensPerS > 0 ? c.tokensPerS / c.capacityTokensPerS : 0;
  return Math.min(1, Math.max(c.kvCacheUsage ?? 0, tok));
}

/** Lower is better: p95 stretched by load, plus a little for a degraded runtime or a half-open circuit. */
export function baseScoreOf(c: Candidate): number {
  const p95 = c.p95LatencyMs ?? UNMEASURED_P95_MS;
  const penalty = (c.runtimeHealth === 'degraded' || c.nodeHealth === 'warning' ? 100 : 0) + (c.circuit === 'half_open' ? 200 : 0);
  return Math.round((p95 * (1 + loadOf(c)) + penalty) * 100) / 100;
}

/** Ties are broken by node then runtime id, so the order never depends on the input's order. */
export function entryBefore(a: Entry, b: Entry): boolean {
  if (a.baseScore !== b.baseScore) return a.baseScore < b.baseScore;
  if (a.c.nodeId !== b.c.nodeId) return a.c.nodeId < b.c.nodeId;
  return a.c.runtimeId < b.c.runtimeId;
}

export function buildIndex(snapshot: RoutingSnapshot): SnapshotIndex {
  const corridors = new Map(snapshot.corridors.map((c) => [c.id, c]));
  const byModel = new Map<string, ModelIndex>();
  const groupOf = new Map<string, Group>();
  let unplaced = 0;
  for (const c of snapshot.candidates) {
    const corridor = corridors.get(c.corridorId);
    // A candidate whose corridor is unknown cannot be checked against any policy: never routable.
    if (!corridor) {
      unplaced++;
      continue;
    }
    const reserved = [...c.reservedFor].sort();
    const reason = staticReason(c);
    for (const m of c.models) {
      let mi = byModel.get(m.id);
      if (!mi) byModel.set(m.id, (mi = { model: m.id, count: 0, byCorridor: new Map() }));
      mi.count++;
      let cg = mi.byCorridor.get(c.corridorId);
      if (!cg) mi.byCorridor.set(c.corridorId, (cg = { corridor, count: 0, groups: [] }));
      cg.count++;
      const key = `${m.id}\u0000${c.siteId}\u0000${reserved.join(',')}\u0000${m.contextLength ?? ''}`;
      let g = groupOf.get(key);
      if (!g) {
        g = {
          siteId: c.siteId,
          siteName: c.siteName,
          siteCountry: c.siteCountry,
          siteLat: c.siteLat,
          siteLon: c.siteLon,
          corridorId: c.corridorId,
          reservedFor: reserved,
          contextLength: m.contextLength,
          size: 0,
          staticRemoved: { lifecycle: 0, unhealthy: 0, circuit_open: 0, over_capacity: 0 },
          entries: [],
          prefixBest: [],
        };
        groupOf.set(key, g);
        cg.groups.push(g);
      }
      g.size++;
      if (reason) g.staticRemoved[reason]++;
      else g.entries.push({ c, p95: c.p95LatencyMs ?? 0, baseScore: baseScoreOf(c) });
    }
  }
  for (const g of groupOf.values()) {
    g.entries.sort((a, b) => a.p95 - b.p95 || (entryBefore(a, b) ? -1 : 1));
    let best = -1;
    g.prefixBest = g.entries.map((e, i) => {
      if (best < 0 || entryBefore(e, g.entries[best] as Entry)) best = i;
      return best;
    });
  }
  // Groups in a stable order, whatever order the snapshot listed them in.
  for (const mi of byModel.values()) for (const cg of mi.byCorridor.values()) cg.groups.sort((a, b) => groupKey(a).localeCompare(groupKey(b)));
  return { total: snapshot.candidates.length - unplaced, unplaced, corridors, byModel, policies: new Map((snapshot.modelPolicies ?? []).map((p) => [p.model, p])) };
}

function groupKey(g: Group): string {
  return `${g.siteId}|${g.reservedFor.join(',')}|${g.contextLength ?? ''}`;
}

/** Survivors whose p95 is at most `limit`: the count of entries[0..k). */
export function upperBound(entries: readonly Entry[], limit: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as Entry).p95 <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
