import type { CatalogEntry } from '../../../src-shared/contract/models';
import { TIERS, type Tier } from '../../../src-shared/domain/routing/types';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';

interface Row {
  id: string;
  display_name: string | null;
  family: string | null;
  parameter_size: string | null;
  quantizations: string[] | null;
  context_length: number | null;
  capabilities: string[] | null;
  allowed_tiers: Tier[] | null;
  regulated_ok: boolean | null;
  described: boolean;
  runtimes: number;
  healthy_runtimes: number;
  nodes: number;
  corridors: string[] | null;
  last_seen_at: string | null;
}

/**
 * Models reported by runtimes, plus those with operator metadata and no runtime (shown as
 * unavailable). Available = a healthy (or degraded) runtime on an active node serves it.
 */
const SELECT = `
  WITH served AS (
    SELECT m.model_id, max(m.family) AS family, max(m.parameter_size) AS parameter_size,
           array_remove(array_agg(DISTINCT m.quantization), NULL) AS quantizations, min(m.context_length) AS context_length,
           count(DISTINCT r.id)::int AS runtimes,
           count(DISTINCT r.id) FILTER (WHERE r.health IN ('healthy', 'degraded') AND n.lifecycle = 'active' AND r.enabled)::int AS healthy_runtimes,
           count(DISTINCT n.id)::int AS nodes, array_agg(DISTINCT c.name ORDER BY c.name) AS corridors, max(m.seen_at) AS last_seen_at
      FROM mc.runtime_models m
      JOIN mc.runtimes r ON r.org_id = m.org_id AND r.id = m.runtime_id
      JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id
      JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
      JOIN mc.corridors c ON c.org_id = s.org_id AND c.id = s.corridor_id
     GROUP BY m.model_id)
  SELECT coalesce(sv.model_id, k.model_id) AS id, k.display_name, sv.family, sv.parameter_size, sv.quantizations, sv.context_length,
         k.capabilities, k.allowed_tiers, k.regulated_ok, k.model_id IS NOT NULL AS described, coalesce(sv.runtimes, 0) AS runtimes, coalesce(sv.healthy_runtimes, 0) AS healthy_runtimes,
         coalesce(sv.nodes, 0) AS nodes, sv.corridors, sv.last_seen_at
    FROM served sv FULL JOIN mc.model_catalog k ON k.model_id = sv.model_id`;

function toEntry(r: Row): CatalogEntry {
  return {
    id: r.id,
    displayName: r.display_name,
    family: r.family,
    parameterSize: r.parameter_size,
    quantizations: r.quantizations ?? [],
    contextLength: r.context_length,
    capabilities: r.capabilities ?? [],
    allowedTiers: r.allowed_tiers ?? [...TIERS],
    regulatedOk: r.regulated_ok ?? false,
    described: r.described,
    runtimes: r.runtimes,
    healthyRuntimes: r.healthy_runtimes,
    nodes: r.nodes,
    corridors: r.corridors ?? [],
    availability: r.healthy_runtimes > 0 ? (r.healthy_runtimes < r.runtimes ? 'degraded' : 'available') : 'unavailable',
    lastSeenAt: r.last_seen_at,
  };
}

export async function listCatalog(sql: Sql): Promise<CatalogEntry[]> {
  return (await sql.query<Row>(`${SELECT} ORDER BY 1`)).map(toEntry);
}

export async function setModelMeta(
  sql: Sql,
  input: { modelId: string; displayName: string | null; allowedTiers: Tier[]; regulatedOk: boolean; capabilities: string[] },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<CatalogEntry> {
  const tiers = TIERS.filter((t) => input.allowedTiers.includes(t));
  await sql.query(
    `INSERT INTO mc.model_catalog (org_id, model_id, display_name, allowed_tiers, regulated_ok, capabilities)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5)
     ON CONFLICT (org_id, model_id) DO UPDATE SET display_name = excluded.display_name, allowed_tiers = excluded.allowed_tiers,
       regulated_ok = excluded.regulated_ok, capabilities = excluded.capabilities, updated_at = now()`,
    [input.modelId, input.displayName, tiers, input.regulatedOk, input.capabilities],
  );
  await audit({ action: 'models.meta_set', target: { type: 'model', id: input.modelId }, data: { displayName: input.displayName, allowedTiers: tiers, regulatedOk: input.regulatedOk, capabilities: input.capabilities } });
  const row = await sql.one<Row>(`SELECT * FROM (${SELECT}) x WHERE x.id = $1`, [input.modelId]);
  return toEntry(row);
}
