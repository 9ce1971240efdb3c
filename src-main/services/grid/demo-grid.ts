import { rng } from '../../../src-shared/domain/random';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { BLOCKED_EVERYWHERE, DEMO_CORRIDORS } from './demo-geography';

/**
 * The deterministic demo grid: the same input always gives the same sites and nodes, and a larger
 * grid contains the smaller one (site i and node j depend only on i and j). Ten nodes per site:
 * 400 nodes is 40 sites (8 per corridor), 10,000 nodes is 1,000 sites.
 */
export const NODES_PER_SITE = 10;
export const DEFAULT_DEMO_NODES = 400;

const KINDS = ['colocation', 'commercial', 'telecom_edge', 'campus', 'private_enterprise'] as const;
// Made-up sites get made-up owners, and say so: a real company's name on a demo site reads as a fact.
export const DEMO_OWNERS = Array.from({ length: 15 }, (_, i) => `Demo Owner ${String.fromCharCode(65 + i)} (fictional)`);
const GPUS = [
  { model: 'H100 80GB', memory: 80, tokens: 2600 },
  { model: 'A100 80GB', memory: 80, tokens: 1700 },
  { model: 'L40S 48GB', memory: 48, tokens: 1100 },
  { model: 'L4 24GB', memory: 24, tokens: 420 },
  { model: 'MI300X 192GB', memory: 192, tokens: 3000 },
] as const;
const RUNTIMES = ['vllm', 'vllm', 'vllm', 'ollama', 'tgi', 'tgi', 'embeddings', 'vision', 'document_ai', 'soc_inference'] as const;

export interface DemoSite {
  index: number;
  corridorKey: string;
  key: string;
  name: string;
  kind: (typeof KINDS)[number];
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  ownerName: string;
}

export interface DemoNode {
  index: number;
  siteKey: string;
  groupKey: string;
  hostname: string;
  runtimeGroup: (typeof RUNTIMES)[number];
  gpuModel: string;
  gpuCount: number;
  gpuMemoryGb: number;
  capacityTokensPerS: number;
  lifecycle: 'registered' | 'active' | 'draining' | 'offline';
}

export function demoSite(i: number): DemoSite {
  const corridor = DEMO_CORRIDORS[i % DEMO_CORRIDORS.length]!;
  const slot = Math.floor(i / DEMO_CORRIDORS.length);
  const city = corridor.cities[slot % corridor.cities.length]!;
  const instance = Math.floor(slot / corridor.cities.length) + 1;
  const r = rng(1_000 + i);
  // Up to ~25 km around the city centre, so sites of one city do not sit on one point.
  const latitude = Math.round((city.lat + (r() - 0.5) * 0.45) * 10_000) / 10_000;
  const longitude = Math.round((city.lon + (r() - 0.5) * 0.45) * 10_000) / 10_000;
  const kind = KINDS[Math.floor(r() * KINDS.length)]!;
  return {
    index: i,
    corridorKey: corridor.key,
    key: `${city.code}-${String(instance).padStart(2, '0')}`,
    name: `${city.code.toUpperCase()}-${String(instance).padStart(2, '0')} ${city.city}`,
    kind,
    country: city.country,
    city: city.city,
    latitude,
    longitude,
    ownerName: DEMO_OWNERS[Math.floor(r() * DEMO_OWNERS.length)]!,
  };
}

export function demoNode(j: number): DemoNode {
  const site = demoSite(Math.floor(j / NODES_PER_SITE));
  const k = j % NODES_PER_SITE;
  const r = rng(50_000 + j);
  const gpu = GPUS[Math.floor(r() * GPUS.length)]!;
  const gpuCount = [1, 2, 4, 8, 8][Math.floor(r() * 5)]!;
  const roll = r();
  return {
    index: j,
    siteKey: site.key,
    groupKey: k < 6 ? 'pool-a' : 'pool-b',
    hostname: `${site.key}-gpu${String(k + 1).padStart(2, '0')}`,
    runtimeGroup: RUNTIMES[Math.floor(r() * RUNTIMES.length)]!,
    gpuModel: gpu.model,
    gpuCount,
    gpuMemoryGb: gpu.memory * gpuCount,
    capacityTokensPerS: gpu.tokens * gpuCount,
    lifecycle: roll < 0.01 ? 'registered' : roll < 0.03 ? 'draining' : roll < 0.04 ? 'offline' : 'active',
  };
}

export function demoGrid(totalNodes: number): { sites: DemoSite[]; nodes: DemoNode[] } {
  const siteCount = Math.ceil(totalNodes / NODES_PER_SITE);
  return {
    sites: Array.from({ length: siteCount }, (_, i) => demoSite(i)),
    nodes: Array.from({ length: totalNodes }, (_, j) => demoNode(j)),
  };
}

/**
 * Make sure the current org holds (at least) the demo grid of `totalNodes` nodes. Rows that exist
 * (by key) are left as they are, so an operator's changes survive; bulk inserts keep 10,000
 * nodes to a few statements. Writes one audit event when it added anything.
 */
export async function provisionDemoGrid(sql: Sql, totalNodes: number, audit: (d: AuditDraft) => Promise<AuditRecord>) {
  const { sites, nodes } = demoGrid(totalNodes);
  const corridors = await sql.query<{ id: string }>(
    `INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries, blocked_countries, regulated_workloads, audit_requirement)
     SELECT mc.current_org_id(), c.key, c.name, c.region, c.allowed, $2::text[], c.regulated, c.audit
       FROM jsonb_to_recordset($1::jsonb) AS c(key text, name text, region text, allowed text[], regulated text[], audit text)
     ON CONFLICT (org_id, key) DO NOTHING RETURNING id`,
    [
      JSON.stringify(
        DEMO_CORRIDORS.map((c) => ({
          key: c.key,
          name: c.name,
          region: c.region,
          allowed: [...new Set(c.cities.map((x) => x.country))].sort(),
          regulated: c.regulatedWorkloads,
          audit: c.auditRequirement,
        })),
      ),
      BLOCKED_EVERYWHERE,
    ],
  );
  const newSites = await sql.query<{ id: string }>(
    `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, city, latitude, longitude, owner_name)
     SELECT mc.current_org_id(), c.id, s.key, s.name, s.kind, s.country, s.city, s.latitude, s.longitude, s.owner_name
       FROM jsonb_to_recordset($1::jsonb) AS s(corridor_key text, key text, name text, kind text, country text, city text,
                                               latitude float8, longitude float8, owner_name text)
       JOIN mc.corridors c ON c.key = s.corridor_key
     ON CONFLICT (org_id, key) DO NOTHING RETURNING id`,
    [
      JSON.stringify(
        sites.map((s) => ({
          corridor_key: s.corridorKey,
          key: s.key,
          name: s.name,
          kind: s.kind,
          country: s.country,
          city: s.city,
          latitude: s.latitude,
          longitude: s.longitude,
          owner_name: s.ownerName,
        })),
      ),
    ],
  );
  await sql.query(
    `INSERT INTO mc.node_groups (org_id, site_id, key, name)
     SELECT mc.current_org_id(), s.id, g.key, g.name
       FROM mc.sites s CROSS JOIN (VALUES ('pool-a', 'Pool A'), ('pool-b', 'Pool B')) AS g(key, name)
      WHERE s.key = ANY ($1::text[])
     ON CONFLICT (org_id, site_id, key) DO NOTHING`,
    [sites.map((s) => s.key)],
  );
  const newNodes = await sql.query<{ id: string }>(
    `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
     SELECT mc.current_org_id(), s.id, g.id, n.hostname, n.runtime_group, n.gpu_model, n.gpu_count, n.gpu_memory_gb, n.capacity, n.lifecycle
       FROM jsonb_to_recordset($1::jsonb) AS n(site_key text, group_key text, hostname text, runtime_group text, gpu_model text,
                                               gpu_count int, gpu_memory_gb int, capacity int, lifecycle text)
       JOIN mc.sites s ON s.key = n.site_key
       JOIN mc.node_groups g ON g.site_id = s.id AND g.key = n.group_key
     ON CONFLICT (org_id, hostname) DO NOTHING RETURNING id`,
    [
      JSON.stringify(
        nodes.map((n) => ({
          site_key: n.siteKey,
          group_key: n.groupKey,
          hostname: n.hostname,
          runtime_group: n.runtimeGroup,
          gpu_model: n.gpuModel,
          gpu_count: n.gpuCount,
          gpu_memory_gb: n.gpuMemoryGb,
          capacity: n.capacityTokensPerS,
          lifecycle: n.lifecycle,
        })),
      ),
    ],
  );
  const added = { corridors: corridors.length, sites: newSites.length, nodes: newNodes.length };
  if (added.corridors + added.sites + added.nodes > 0) {
    await sql.query('SELECT mc.refresh_grid_statistics()');
    await audit({ action: 'grid.demo_provisioned', target: { type: 'org', id: null }, data: { requestedNodes: totalNodes, added } });
  }
  return added;
}
