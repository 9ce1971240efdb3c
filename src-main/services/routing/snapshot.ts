/**
 * The routing snapshot, read from records: corridors with their policies, and one candidate per
 * enabled runtime with what its last probe and its node's latest telemetry said. A runtime whose
 * last probe is older than PROBE_FRESH_MS is "unknown" (and not routed to): nothing recent says
 * it is up.
 */
import { healthOf } from '../../../src-shared/domain/node-health';
import type { Candidate, CorridorInfo, RoutingRequest, RoutingSnapshot, RuntimeHealth, SlaTerms, Tier } from '../../../src-shared/domain/routing/types';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';

export const PROBE_FRESH_MS = 15 * 60_000;

interface CandRow {
  runtime_id: string;
  kind: string;
  health: RuntimeHealth;
  circuit: Candidate['circuit'];
  last_probe_at: string | null;
  running_requests: number | null;
  waiting_requests: number | null;
  kv_cache_usage: number | null;
  rt_tokens_per_s: number | null;
  rt_p95: number | null;
  node_id: string;
  hostname: string;
  lifecycle: string;
  capacity_tokens_per_s: number;
  site_id: string;
  site_name: string;
  country: string;
  latitude: number;
  longitude: number;
  corridor_id: string;
  seen_at: string | null;
  p95_latency_ms: number | null;
  error_rate: number | null;
  gpu_temp_c: number | null;
  tokens_per_s: number | null;
  reserved: string[] | null;
  models: { id: string; contextLength: number | null }[] | null;
}

export async function loadSnapshot(sql: Sql, now = Date.now()): Promise<RoutingSnapshot> {
  const corridors = (
    await sql.query<{ id: string; name: string; region: string; allowed_countries: string[]; blocked_countries: string[]; regulated_workloads: string[]; audit_requirement: string | null }>(
      'SELECT id, name, region, allowed_countries, blocked_countries, regulated_workloads, audit_requirement FROM mc.corridors ORDER BY id',
    )
  ).map<CorridorInfo>((c) => ({
    id: c.id,
    name: c.name,
    region: c.region,
    policy: { allowedCountries: c.allowed_countries, blockedCountries: c.blocked_countries, regulatedWorkloads: c.regulated_workloads, auditRequirement: c.audit_requirement },
  }));
  const rows = await sql.query<CandRow>(
    `SELECT r.id AS runtime_id, r.kind, r.health, r.circuit, r.last_probe_at, r.running_requests, r.waiting_requests, r.kv_cache_usage,
            r.tokens_per_s AS rt_tokens_per_s, r.p95_latency_ms AS rt_p95,
            n.id AS node_id, n.hostname, n.lifecycle, n.capacity_tokens_per_s,
            s.id AS site_id, s.name AS site_name, s.country, s.latitude, s.longitude, s.corridor_id,
            l.seen_at, l.p95_latency_ms, l.error_rate, l.gpu_temp_c, l.tokens_per_s,
            (SELECT array_agg(x.customer_id::text ORDER BY x.customer_id) FROM mc.node_reservations x WHERE x.org_id = n.org_id AND x.node_id = n.id) AS reserved,
            (SELECT json_agg(json_build_object('id', m.model_id, 'contextLength', m.context_length) ORDER BY m.model_id)
               FROM mc.runtime_models m WHERE m.org_id = r.org_id AND m.runtime_id = r.id) AS models
       FROM mc.runtimes r
       JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id
       JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
       LEFT JOIN mc.node_latest l ON l.node_id = n.id
      WHERE r.enabled
      ORDER BY r.id`,
  );
  const candidates = rows.map<Candidate>((r) => {
    const fresh = r.last_probe_at !== null && now - Date.parse(r.last_probe_at) <= PROBE_FRESH_MS;
    // Node health from its telemetry; a node with no agent yet is vouched for by a fresh probe of its runtime.
    const nodeHealth = r.seen_at ? healthOf({ seenAt: r.seen_at, p95LatencyMs: r.p95_latency_ms, errorRate: r.error_rate, gpuTempC: r.gpu_temp_c }, now) : fresh ? 'healthy' : 'unknown';
    return {
      nodeId: r.node_id,
      hostname: r.hostname,
      runtimeId: r.runtime_id,
      runtimeKind: r.kind,
      siteId: r.site_id,
      siteName: r.site_name,
      siteCountry: r.country,
      siteLat: r.latitude,
      siteLon: r.longitude,
      corridorId: r.corridor_id,
      lifecycle: r.lifecycle,
      nodeHealth,
      runtimeHealth: fresh ? r.health : 'unknown',
      circuit: r.circuit,
      models: r.models ?? [],
      runningRequests: r.running_requests,
      waitingRequests: r.waiting_requests,
      kvCacheUsage: r.kv_cache_usage,
      tokensPerS: r.rt_tokens_per_s ?? r.tokens_per_s,
      capacityTokensPerS: r.capacity_tokens_per_s,
      p95LatencyMs: r.rt_p95 ?? r.p95_latency_ms,
      reservedFor: r.reserved ?? [],
    };
  });
  // Only models an operator described are restricted; the others are open (see docs/operator-guide.md).
  const modelPolicies = (await sql.query<{ model_id: string; allowed_tiers: Tier[]; regulated_ok: boolean }>('SELECT model_id, allowed_tiers, regulated_ok FROM mc.model_catalog ORDER BY model_id')).map(
    (p) => ({ model: p.model_id, allowedTiers: p.allowed_tiers, regulatedOk: p.regulated_ok }),
  );
  return { corridors, candidates, modelPolicies };
}

export interface CustomerTerms {
  id: string;
  name: string;
  tier: Tier;
  homeCorridorId: string;
  sla: SlaTerms;
  /** Empty = every corridor residency and the failover rule allow. */
  allowedCorridorIds: string[];
}

/** A customer with the SLA policy in force (its own, else its tier's default). No policy = no routing: fail closed. */
export async function customerTerms(sql: Sql, customerId: string): Promise<CustomerTerms> {
  const r = await sql.maybeOne<{
    id: string;
    name: string;
    tier: Tier;
    home_corridor_id: string;
    p_name: string | null;
    uptime_target_pct: string | null;
    p95_target_ms: number | null;
    escalation_window_min: number | null;
    failover_rule: 'same_corridor' | 'fallback_corridor' | 'none' | null;
    fallback_corridor_id: string | null;
    allowed_corridor_ids: string[];
  }>(
    `SELECT cu.id, cu.name, cu.tier, cu.home_corridor_id, p.name AS p_name, p.uptime_target_pct, p.p95_target_ms, p.escalation_window_min, p.failover_rule, p.fallback_corridor_id,
            cu.allowed_corridor_ids
       FROM mc.customers cu
       LEFT JOIN mc.customer_tiers t ON t.org_id = cu.org_id AND t.tier = cu.tier
       LEFT JOIN mc.sla_policies p ON p.org_id = cu.org_id AND p.id = coalesce(cu.sla_policy_id, t.sla_policy_id)
      WHERE cu.id = $1`,
    [customerId],
  );
  if (!r) throw new McError('NOT_FOUND', 'That customer does not exist in this org.');
  if (!r.p_name || r.p95_target_ms === null || !r.failover_rule) {
    throw new McError('CONFLICT', `${r.name} has no SLA policy: give the customer one, or set the ${r.tier} tier’s default in the SLA view.`);
  }
  return {
    id: r.id,
    name: r.name,
    tier: r.tier,
    homeCorridorId: r.home_corridor_id,
    sla: {
      name: r.p_name,
      uptimeTargetPct: Number(r.uptime_target_pct),
      p95TargetMs: r.p95_target_ms,
      escalationWindowMin: r.escalation_window_min ?? 15,
      failover: r.failover_rule === 'fallback_corridor' && r.fallback_corridor_id ? { kind: 'fallback_corridor', corridorId: r.fallback_corridor_id } : r.failover_rule === 'none' ? { kind: 'none' } : { kind: 'same_corridor' },
    },
    allowedCorridorIds: [...r.allowed_corridor_ids].sort(),
  };
}

/** A customer's terms, or null when it has no SLA policy (then it is not routed at all; the SLA view says so). */
export async function routableTerms(sql: Sql, customerId: string): Promise<CustomerTerms | null> {
  try {
    return await customerTerms(sql, customerId);
  } catch {
    return null;
  }
}

/** A request of a customer under its terms, of the standard size batch simulations use. */
export function requestFor(terms: CustomerTerms, r: { model: string; originCountry: string; workloadClass: string }): RoutingRequest {
  return {
    customerId: terms.id,
    customerName: terms.name,
    tier: terms.tier,
    homeCorridorId: terms.homeCorridorId,
    sla: terms.sla,
    model: r.model,
    origin: { country: r.originCountry, lat: null, lon: null },
    workloadClass: r.workloadClass,
    estimatedTokens: 1000,
    allowedCorridorIds: terms.allowedCorridorIds,
  };
}
