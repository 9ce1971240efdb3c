import type { SteadyState } from '../../../src-shared/contract/drills';
import { longestGapMs, residencyVerdict, type SimulationOutcome } from '../../../src-shared/domain/drills';
import { healthOf } from '../../../src-shared/domain/node-health';
import { buildIndex, route, type RoutingRequest, type RoutingSnapshot, type SlaTerms } from '../../../src-shared/domain/routing';
import type { Sql } from '../../db';
import { loadSnapshot, requestFor, routableTerms } from '../routing';
import { type DrillScopeKind, type ResolvedScope, scopeCondition, scopeNodes } from './scope';

/** Simulations a drill re-runs: at most this many, so a step stays one short transaction. */
export const MAX_SIMULATIONS = 50;

export interface DrillSimulations {
  requests: RoutingRequest[];
  /** 'saved': the scope's own saved simulations; 'standard': none existed, so one per corridor was made up. */
  source: 'saved' | 'standard';
}

/** The drill's SLA policy as routing terms (the standard simulation is measured against it). */
export async function policyTerms(sql: Sql, policyId: string): Promise<SlaTerms & { id: string }> {
  const p = await sql.one<{ id: string; name: string; uptime_target_pct: string; p95_target_ms: number; escalation_window_min: number; failover_rule: string; fallback_corridor_id: string | null }>(
    'SELECT id, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule, fallback_corridor_id FROM mc.sla_policies WHERE id = $1',
    [policyId],
  );
  return {
    id: p.id,
    name: p.name,
    uptimeTargetPct: Number(p.uptime_target_pct),
    p95TargetMs: p.p95_target_ms,
    escalationWindowMin: p.escalation_window_min,
    failover: p.failover_rule === 'fallback_corridor' && p.fallback_corridor_id ? { kind: 'fallback_corridor', corridorId: p.fallback_corridor_id } : p.failover_rule === 'none' ? { kind: 'none' } : { kind: 'same_corridor' },
  };
}

/**
 * The routing simulations operators saved for the scope's corridors (served there, or for a
 * customer at home there), newest per customer × model × origin × workload. When there are none,
 * a standard one per corridor: an enterprise request from the corridor's first allowed country for
 * a model served there, measured against the drill's SLA policy.
 */
export async function drillSimulations(sql: Sql, scope: ResolvedScope, snapshot: RoutingSnapshot, sla: SlaTerms): Promise<DrillSimulations> {
  const saved = await sql.query<{ customer_id: string; model: string; origin_country: string; workload_class: string }>(
    `SELECT customer_id, model, origin_country, workload_class FROM (
       SELECT DISTINCT ON (d.customer_id, d.model, d.origin_country, d.workload_class) d.customer_id, d.model, d.origin_country, d.workload_class, d.decided_at
         FROM mc.routing_decisions d JOIN mc.customers cu ON cu.org_id = d.org_id AND cu.id = d.customer_id
        WHERE d.source = 'simulation' AND (d.corridor_id = ANY ($1::uuid[]) OR cu.home_corridor_id = ANY ($1::uuid[]))
        ORDER BY d.customer_id, d.model, d.origin_country, d.workload_class, d.decided_at DESC) x
      ORDER BY decided_at DESC LIMIT $2`,
    [scope.corridorIds, MAX_SIMULATIONS],
  );
  const requests: RoutingRequest[] = [];
  for (const s of saved) {
    const terms = await routableTerms(sql, s.customer_id);
    if (terms) requests.push(requestFor(terms, { model: s.model, originCountry: s.origin_country, workloadClass: s.workload_class }));
  }
  if (requests.length > 0) return { requests, source: 'saved' };
  for (const id of scope.corridorIds) {
    const corridor = snapshot.corridors.find((c) => c.id === id);
    if (!corridor) continue;
    const served = snapshot.candidates.filter((c) => c.corridorId === id);
    const model = served.flatMap((c) => c.models.map((m) => m.id)).sort()[0] ?? 'any-model';
    requests.push({
      customerId: '00000000-0000-0000-0000-000000000000',
      customerName: `Standard drill request (${corridor.name})`,
      tier: 'enterprise',
      homeCorridorId: id,
      sla,
      model,
      origin: { country: corridor.policy.allowedCountries[0] ?? served[0]?.siteCountry ?? 'ZZ', lat: null, lon: null },
      workloadClass: 'general',
      estimatedTokens: 1000,
    });
  }
  return { requests, source: 'standard' };
}

/** Route every request on one snapshot and check each decision against residency. */
export function runSimulations(snapshot: RoutingSnapshot, requests: readonly RoutingRequest[]) {
  const index = buildIndex(snapshot);
  return requests.map((request) => {
    const decision = route(index, request);
    const verdict = residencyVerdict(snapshot, index, request, decision);
    const outcome: SimulationOutcome = {
      customerName: request.customerName,
      model: request.model,
      origin: request.origin.country,
      selected: decision.selected?.hostname ?? null,
      corridor: decision.selected?.corridorName ?? null,
      residency: verdict.kind,
      note: verdict.kind === 'outside' ? verdict.reason : decision.explanation,
    };
    return { request, decision, outcome };
  });
}

/** The scope's live figures now: node lifecycle and health, and how many simulations routing can serve. */
export async function steadyState(sql: Sql, scope: ResolvedScope, sla: SlaTerms, now = Date.now()): Promise<SteadyState> {
  const nodes = await scopeNodes(sql, scope.kind, scope.target);
  const health = { healthy: 0, warning: 0, critical: 0, stale: 0, unknown: 0 };
  for (const n of nodes) health[healthOf({ seenAt: n.seen_at, p95LatencyMs: n.p95_latency_ms, errorRate: n.error_rate, gpuTempC: n.gpu_temp_c }, now)]++;
  const snapshot = await loadSnapshot(sql, now);
  const sims = await drillSimulations(sql, scope, snapshot, sla);
  const routed = runSimulations(snapshot, sims.requests);
  return {
    at: new Date(now).toISOString(),
    nodes: nodes.length,
    active: nodes.filter((n) => n.lifecycle === 'active').length,
    ...health,
    simulations: routed.length,
    routable: routed.filter((r) => r.outcome.residency === 'inside').length,
  };
}

/** The data-loss window: the longest telemetry silence of the scope between two instants (null: no telemetry). */
export async function dataLossWindow(sql: Sql, kind: DrillScopeKind, target: string, start: Date, end: Date): Promise<number | null> {
  const rows = await sql.query<{ ts: string }>(
    `SELECT DISTINCT t.ts FROM mc.telemetry t
       JOIN mc.nodes n ON n.org_id = t.org_id AND n.id = t.node_id
       JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
      WHERE ${scopeCondition(kind)} AND t.ts >= $2 AND t.ts <= $3
      ORDER BY t.ts LIMIT 100000`,
    [target, start.toISOString(), end.toISOString()],
  );
  return longestGapMs(rows.map((r) => Date.parse(r.ts)), start.getTime(), end.getTime());
}
