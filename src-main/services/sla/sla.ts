import type { Customer, SlaPolicy } from '../../../src-shared/contract/sla';
import { McError } from '../../../src-shared/contract/errors';
import { TIERS, type Tier } from '../../../src-shared/domain/routing/types';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

interface PolicyRow {
  id: string;
  key: string;
  name: string;
  uptime_target_pct: string;
  p95_target_ms: number;
  escalation_window_min: number;
  failover_rule: SlaPolicy['failoverRule'];
  fallback_corridor_id: string | null;
  fallback_corridor_name: string | null;
  created_at: string;
}

const POLICY_SELECT = `SELECT p.*, c.name AS fallback_corridor_name FROM mc.sla_policies p LEFT JOIN mc.corridors c ON c.org_id = p.org_id AND c.id = p.fallback_corridor_id`;

const toPolicy = (r: PolicyRow): SlaPolicy => ({
  id: r.id,
  key: r.key,
  name: r.name,
  uptimeTargetPct: Number(r.uptime_target_pct),
  p95TargetMs: r.p95_target_ms,
  escalationWindowMin: r.escalation_window_min,
  failoverRule: r.failover_rule,
  fallbackCorridorId: r.fallback_corridor_id,
  fallbackCorridorName: r.fallback_corridor_name,
  createdAt: r.created_at,
});

/** A customer row as the SLA view reads it (the Customers view's reader extends it). */
export interface CustomerRow {
  id: string;
  key: string;
  name: string;
  tier: Tier;
  home_corridor_id: string;
  home_corridor_name: string;
  sla_policy_id: string | null;
  effective_policy_id: string | null;
  reserved_nodes: number;
}

const CUSTOMER_SELECT = `
  SELECT cu.id, cu.key, cu.name, cu.tier, cu.home_corridor_id, c.name AS home_corridor_name, cu.sla_policy_id,
         coalesce(cu.sla_policy_id, t.sla_policy_id) AS effective_policy_id,
         (SELECT count(*)::int FROM mc.node_reservations r WHERE r.org_id = cu.org_id AND r.customer_id = cu.id) AS reserved_nodes
    FROM mc.customers cu
    JOIN mc.corridors c ON c.org_id = cu.org_id AND c.id = cu.home_corridor_id
    LEFT JOIN mc.customer_tiers t ON t.org_id = cu.org_id AND t.tier = cu.tier`;

const toCustomer = (r: CustomerRow): Customer => ({
  id: r.id,
  key: r.key,
  name: r.name,
  tier: r.tier,
  homeCorridorId: r.home_corridor_id,
  homeCorridorName: r.home_corridor_name,
  slaPolicyId: r.sla_policy_id,
  effectivePolicyId: r.effective_policy_id,
  reservedNodes: r.reserved_nodes,
});

export async function listSla(sql: Sql) {
  const policies = (await sql.query<PolicyRow>(`${POLICY_SELECT} ORDER BY p.p95_target_ms, p.name`)).map(toPolicy);
  const tierRows = await sql.query<{ tier: Tier; sla_policy_id: string }>('SELECT tier, sla_policy_id FROM mc.customer_tiers');
  const tiers = TIERS.map((tier) => ({ tier, slaPolicyId: tierRows.find((t) => t.tier === tier)?.sla_policy_id ?? null }));
  const customers = (await sql.query<CustomerRow>(`${CUSTOMER_SELECT} ORDER BY cu.name`)).map(toCustomer);
  return { policies, tiers, customers };
}

export async function getCustomer(sql: Sql, id: string): Promise<Customer> {
  const r = await sql.maybeOne<CustomerRow>(`${CUSTOMER_SELECT} WHERE cu.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'That customer does not exist in this org.');
  return toCustomer(r);
}

export async function getPolicy(sql: Sql, id: string): Promise<SlaPolicy> {
  const r = await sql.maybeOne<PolicyRow>(`${POLICY_SELECT} WHERE p.id = $1`, [id]);
  if (!r) throw new McError('NOT_FOUND', 'That SLA policy does not exist in this org.');
  return toPolicy(r);
}

export async function savePolicy(
  sql: Sql,
  input: { id: string | null; key: string; name: string; uptimeTargetPct: number; p95TargetMs: number; escalationWindowMin: number; failoverRule: SlaPolicy['failoverRule']; fallbackCorridorId: string | null },
  audit: Audit,
): Promise<SlaPolicy> {
  const params = [input.name, input.uptimeTargetPct, input.p95TargetMs, input.escalationWindowMin, input.failoverRule, input.fallbackCorridorId];
  let id: string;
  if (input.id) {
    const before = await getPolicy(sql, input.id);
    if (before.key !== input.key) throw new McError('VALIDATION', 'A policy’s key cannot change; create a new policy instead.', { key: 'The key is fixed once created.' });
    await sql.query(
      `UPDATE mc.sla_policies SET name = $2, uptime_target_pct = $3, p95_target_ms = $4, escalation_window_min = $5, failover_rule = $6, fallback_corridor_id = $7 WHERE id = $1`,
      [input.id, ...params],
    );
    id = input.id;
    await audit({ action: 'sla.policy_changed', target: { type: 'sla_policy', id }, data: { before: { ...before, createdAt: undefined }, after: { ...input } } });
  } else {
    if (await sql.maybeOne('SELECT 1 FROM mc.sla_policies WHERE key = $1', [input.key])) throw new McError('CONFLICT', `An SLA policy with key ${input.key} exists already.`);
    id = (
      await sql.one<{ id: string }>(
        `INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule, fallback_corridor_id)
         VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [input.key, ...params],
      )
    ).id;
    await audit({ action: 'sla.policy_created', target: { type: 'sla_policy', id }, data: { ...input, id } });
  }
  return getPolicy(sql, id);
}

export async function setTierPolicy(sql: Sql, input: { tier: Tier; slaPolicyId: string }, audit: Audit): Promise<void> {
  await getPolicy(sql, input.slaPolicyId);
  const before = await sql.maybeOne<{ sla_policy_id: string }>('SELECT sla_policy_id FROM mc.customer_tiers WHERE tier = $1', [input.tier]);
  await sql.query(
    `INSERT INTO mc.customer_tiers (org_id, tier, sla_policy_id) VALUES (mc.current_org_id(), $1, $2)
     ON CONFLICT (org_id, tier) DO UPDATE SET sla_policy_id = excluded.sla_policy_id, updated_at = now()`,
    [input.tier, input.slaPolicyId],
  );
  await audit({ action: 'sla.tier_policy_set', target: { type: 'customer_tier', id: input.tier }, data: { before: before?.sla_policy_id ?? null, after: input.slaPolicyId } });
}

/** Defaults from the seeds' tiers: pilot best effort, enterprise 99.9 %, sovereign 99.95 % with no failover out of its corridor. */
export const DEFAULT_POLICIES = [
  { tier: 'pilot', key: 'pilot-standard', name: 'Pilot standard', uptimeTargetPct: 99.0, p95TargetMs: 2000, escalationWindowMin: 60, failoverRule: 'same_corridor' },
  { tier: 'enterprise', key: 'enterprise-standard', name: 'Enterprise standard', uptimeTargetPct: 99.9, p95TargetMs: 800, escalationWindowMin: 15, failoverRule: 'same_corridor' },
  { tier: 'sovereign', key: 'sovereign-strict', name: 'Sovereign strict', uptimeTargetPct: 99.95, p95TargetMs: 600, escalationWindowMin: 10, failoverRule: 'same_corridor' },
] as const;

export async function installDefaults(sql: Sql, audit: Audit, unchanged: () => void): Promise<number> {
  let installed = 0;
  for (const p of DEFAULT_POLICIES) {
    const existing = await sql.maybeOne<{ id: string }>('SELECT id FROM mc.sla_policies WHERE key = $1', [p.key]);
    const id =
      existing?.id ??
      (
        await sql.one<{ id: string }>(
          `INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule)
           VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6) RETURNING id`,
          [p.key, p.name, p.uptimeTargetPct, p.p95TargetMs, p.escalationWindowMin, p.failoverRule],
        )
      ).id;
    if (!existing) installed++;
    const tier = await sql.query(`INSERT INTO mc.customer_tiers (org_id, tier, sla_policy_id) VALUES (mc.current_org_id(), $1, $2) ON CONFLICT DO NOTHING RETURNING tier`, [p.tier, id]);
    if (tier.length) installed++;
  }
  if (installed === 0) unchanged();
  else await audit({ action: 'sla.defaults_installed', target: { type: 'org', id: null }, data: { policies: DEFAULT_POLICIES.map((p) => p.key), installed } });
  return installed;
}
