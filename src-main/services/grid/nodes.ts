import type { NodeRow } from '../../../src-shared/contract/grid';
import { McError } from '../../../src-shared/contract/errors';
import { healthOf } from '../../../src-shared/domain/node-health';
import { allowedTransitions, canTransition, type Lifecycle } from '../../../src-shared/domain/node-lifecycle';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';
import { VALID_KEY_SQL } from '../keys';
import { uniquely } from './unique';

type Audit = (d: AuditDraft) => Promise<AuditRecord>;

interface Row {
  id: string;
  hostname: string;
  site_id: string;
  node_group_id: string;
  corridor_id: string;
  runtime_group: NodeRow['runtimeGroup'];
  gpu_model: string;
  gpu_count: number;
  gpu_memory_gb: number;
  capacity_tokens_per_s: number;
  lifecycle: Lifecycle;
  lifecycle_changed_at: string;
  seen_at: string | null;
  gpu_util_pct: number | null;
  gpu_temp_c: number | null;
  power_w: number | null;
  tokens_per_s: number | null;
  p95_latency_ms: number | null;
  queue_depth: number | null;
  error_rate: number | null;
  valid_keys: number;
  site_name: string;
  corridor_name: string;
  node_group_name: string;
  country: string;
}

/**
 * One query for the whole grid. Key counts are per-node index lookups, not a join against a
 * grouped subquery: right after a bulk import the planner has no statistics yet, and a join it
 * misjudges as one row turns 10,000 nodes into a quadratic plan (seen: 20 s instead of 50 ms).
 */
const SELECT_NODES = `
  SELECT n.id, n.hostname, n.site_id, n.node_group_id, s.corridor_id, n.runtime_group, n.gpu_model, n.gpu_count, n.gpu_memory_gb,
         n.capacity_tokens_per_s, n.lifecycle, n.lifecycle_changed_at,
         l.seen_at, l.gpu_util_pct, l.gpu_temp_c, l.power_w, l.tokens_per_s, l.p95_latency_ms, l.queue_depth, l.error_rate,
         (SELECT count(*) FROM mc.node_keys k WHERE k.org_id = n.org_id AND k.node_id = n.id AND ${VALID_KEY_SQL})::int AS valid_keys,
         s.name AS site_name, c.name AS corridor_name, g.name AS node_group_name, s.country
    FROM mc.nodes n
    JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
    JOIN mc.corridors c ON c.org_id = s.org_id AND c.id = s.corridor_id
    JOIN mc.node_groups g ON g.org_id = n.org_id AND g.id = n.node_group_id
    LEFT JOIN mc.node_latest l ON l.node_id = n.id`;

function toNode(r: Row, now: number): NodeRow {
  return {
    id: r.id,
    hostname: r.hostname,
    siteId: r.site_id,
    nodeGroupId: r.node_group_id,
    corridorId: r.corridor_id,
    runtimeGroup: r.runtime_group,
    gpuModel: r.gpu_model,
    gpuCount: r.gpu_count,
    gpuMemoryGb: r.gpu_memory_gb,
    capacityTokensPerS: r.capacity_tokens_per_s,
    lifecycle: r.lifecycle,
    lifecycleChangedAt: r.lifecycle_changed_at,
    health: healthOf({ seenAt: r.seen_at, p95LatencyMs: r.p95_latency_ms, errorRate: r.error_rate, gpuTempC: r.gpu_temp_c }, now),
    seenAt: r.seen_at,
    latest: {
      gpuUtilPct: r.gpu_util_pct,
      gpuTempC: r.gpu_temp_c,
      powerW: r.power_w,
      tokensPerS: r.tokens_per_s,
      p95LatencyMs: r.p95_latency_ms,
      queueDepth: r.queue_depth,
      errorRate: r.error_rate,
    },
    validKeys: r.valid_keys,
  };
}

export async function listNodes(sql: Sql): Promise<NodeRow[]> {
  const now = Date.now();
  return (await sql.query<Row>(`${SELECT_NODES} ORDER BY n.hostname`)).map((r) => toNode(r, now));
}

export async function getNode(sql: Sql, nodeId: string) {
  const r = await sql.maybeOne<Row>(`${SELECT_NODES} WHERE n.id = $1`, [nodeId]);
  if (!r) throw new McError('NOT_FOUND', 'That node does not exist in this org.');
  return {
    node: { ...toNode(r, Date.now()), siteName: r.site_name, corridorName: r.corridor_name, nodeGroupName: r.node_group_name, country: r.country },
    allowedTransitions: [...allowedTransitions(r.lifecycle)],
  };
}

export interface NewNode {
  siteId: string;
  nodeGroupId: string;
  hostname: string;
  runtimeGroup: NodeRow['runtimeGroup'];
  gpuModel: string;
  gpuCount: number;
  gpuMemoryGb: number;
  capacityTokensPerS: number;
}

export async function registerNode(sql: Sql, input: NewNode, audit: Audit): Promise<NodeRow> {
  const group = await sql.maybeOne<{ site_id: string; site_key: string }>(
    'SELECT g.site_id, s.key AS site_key FROM mc.node_groups g JOIN mc.sites s ON s.org_id = g.org_id AND s.id = g.site_id WHERE g.id = $1',
    [input.nodeGroupId],
  );
  if (!group) throw new McError('NOT_FOUND', 'That node group does not exist in this org.');
  if (group.site_id !== input.siteId) throw new McError('VALIDATION', 'The node group belongs to another site.', { nodeGroupId: 'Choose a node group of the chosen site.' });
  const row = await uniquely(
    () =>
      sql.one<{ id: string }>(
        `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s)
         VALUES (mc.current_org_id(), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [input.siteId, input.nodeGroupId, input.hostname, input.runtimeGroup, input.gpuModel, input.gpuCount, input.gpuMemoryGb, input.capacityTokensPerS],
      ),
    { nodes_org_id_hostname_key: { field: 'hostname', message: `A node named ${input.hostname} already exists.` } },
  );
  await audit({
    action: 'nodes.registered',
    target: { type: 'node', id: row.id },
    data: { hostname: input.hostname, site: group.site_key, runtimeGroup: input.runtimeGroup, gpuModel: input.gpuModel, gpuCount: input.gpuCount },
  });
  return (await getNode(sql, row.id)).node;
}

export async function transitionNode(sql: Sql, input: { nodeId: string; to: Lifecycle }, audit: Audit): Promise<NodeRow> {
  const current = await sql.maybeOne<{ hostname: string; lifecycle: Lifecycle }>('SELECT hostname, lifecycle FROM mc.nodes WHERE id = $1 FOR UPDATE', [input.nodeId]);
  if (!current) throw new McError('NOT_FOUND', 'That node does not exist in this org.');
  if (!canTransition(current.lifecycle, input.to)) {
    const options = allowedTransitions(current.lifecycle);
    throw new McError(
      'CONFLICT',
      `${current.hostname} is ${current.lifecycle}; it can go to ${options.length ? options.join(' or ') : 'nothing further (retired is final)'}, not ${input.to}.`,
      { to: `Not allowed from ${current.lifecycle}.` },
    );
  }
  await sql.query('UPDATE mc.nodes SET lifecycle = $2 WHERE id = $1', [input.nodeId, input.to]);
  await audit({ action: 'nodes.lifecycle_changed', target: { type: 'node', id: input.nodeId }, data: { hostname: current.hostname, from: current.lifecycle, to: input.to } });
  return (await getNode(sql, input.nodeId)).node;
}
