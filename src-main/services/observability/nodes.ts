import { type Health, healthOf } from '../../../src-shared/domain/node-health';
import type { Sql } from '../../db';
import { STILL_USED_WINDOW_HOURS, VALID_KEY_SQL } from '../keys';

/** Keys unused this long count as stale in the security score (the keys page default). */
export const SECURITY_STALE_DAYS = 30;

/** A running node (active or draining) with what the four scores need to know about it. */
export interface ScoredNode {
  id: string;
  hostname: string;
  lifecycle: 'active' | 'draining';
  capacityTokensPerS: number;
  corridorId: string;
  corridor: string;
  site: string;
  seenAt: string | null;
  p95LatencyMs: number | null;
  errorRate: number | null;
  gpuTempC: number | null;
  queueDepth: number | null;
  health: Health;
  validKeys: number;
  staleKeys: number;
  presentsRefusedKey: boolean;
}

interface Row {
  id: string;
  hostname: string;
  lifecycle: 'active' | 'draining';
  capacity_tokens_per_s: number;
  corridor_id: string;
  corridor: string;
  site: string;
  seen_at: string | null;
  p95_latency_ms: number | null;
  error_rate: number | null;
  gpu_temp_c: number | null;
  queue_depth: number | null;
  valid_keys: number;
  stale_keys: number;
  refused: boolean;
}

/** Per node through the indexes (keys by node, rejections by key), as the nodes table does at 10,000 nodes. */
export async function scoredNodes(sql: Sql, corridorId: string | null, now = Date.now()): Promise<ScoredNode[]> {
  const since = new Date(now - STILL_USED_WINDOW_HOURS * 3600_000).toISOString();
  const rows = await sql.query<Row>(
    `SELECT n.id, n.hostname, n.lifecycle, n.capacity_tokens_per_s, s.corridor_id, c.name AS corridor, s.name AS site,
            l.seen_at, l.p95_latency_ms, l.error_rate, l.gpu_temp_c, l.queue_depth,
            (SELECT count(*) FROM mc.node_keys k WHERE k.org_id = n.org_id AND k.node_id = n.id AND ${VALID_KEY_SQL})::int AS valid_keys,
            (SELECT count(*) FROM mc.node_keys k WHERE k.org_id = n.org_id AND k.node_id = n.id AND ${VALID_KEY_SQL}
                AND coalesce(k.last_used_at, k.created_at) < now() - make_interval(days => $3))::int AS stale_keys,
            EXISTS (SELECT 1 FROM mc.node_keys k JOIN mc.ingest_rejections x ON x.org_id = k.org_id AND x.key_id = k.id
                     WHERE k.org_id = n.org_id AND k.node_id = n.id AND x.reason IN ('key_revoked', 'key_expired', 'key_rotated_out')
                       AND x.last_seen_at >= $2) AS refused
       FROM mc.nodes n
       JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
       JOIN mc.corridors c ON c.org_id = s.org_id AND c.id = s.corridor_id
       LEFT JOIN mc.node_latest l ON l.node_id = n.id
      WHERE n.lifecycle IN ('active', 'draining') AND ($1::uuid IS NULL OR s.corridor_id = $1)
      ORDER BY n.hostname`,
    [corridorId, since, SECURITY_STALE_DAYS],
  );
  return rows.map((r) => ({
    id: r.id,
    hostname: r.hostname,
    lifecycle: r.lifecycle,
    capacityTokensPerS: r.capacity_tokens_per_s,
    corridorId: r.corridor_id,
    corridor: r.corridor,
    site: r.site,
    seenAt: r.seen_at,
    p95LatencyMs: r.p95_latency_ms,
    errorRate: r.error_rate,
    gpuTempC: r.gpu_temp_c,
    queueDepth: r.queue_depth,
    health: healthOf({ seenAt: r.seen_at, p95LatencyMs: r.p95_latency_ms, errorRate: r.error_rate, gpuTempC: r.gpu_temp_c }, now),
    validKeys: r.valid_keys,
    staleKeys: r.stale_keys,
    presentsRefusedKey: r.refused,
  }));
}
