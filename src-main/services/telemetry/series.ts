import type { Series } from '../../../src-shared/contract/grid';
import { McError } from '../../../src-shared/contract/errors';
import { METRICS } from '../../../src-shared/domain/metrics';
import type { Sql } from '../../db';

const WINDOWS = {
  '1h': { seconds: 3600, step: 60 },
  '24h': { seconds: 86_400, step: 300 },
} as const;

/**
 * A node's charts from the one-minute rollups (never the raw samples): by minute for the last
 * hour, by five minutes for the last day. Buckets without data are null, so a gap shows as a gap.
 */
export async function nodeSeries(sql: Sql, nodeId: string, window: keyof typeof WINDOWS): Promise<{ from: string; to: string; stepSeconds: number; series: Series[] }> {
  const exists = await sql.maybeOne('SELECT 1 FROM mc.nodes WHERE id = $1', [nodeId]);
  if (!exists) throw new McError('NOT_FOUND', 'That node does not exist in this org.');
  const { seconds, step } = WINDOWS[window];
  const toS = Math.floor(Date.now() / 1000 / step) * step + step;
  const fromS = toS - seconds;
  const rows = await sql.query<{ metric: number; bucket: number; avg: number; min: number; max: number }>(
    `SELECT r.metric, extract(epoch FROM date_bin(make_interval(secs => $2), r.minute, 'epoch'::timestamptz))::bigint AS bucket,
            sum(r.sum) / sum(r.n) AS avg, min(r.min) AS min, max(r.max) AS max
       FROM mc.telemetry_rollups_1m r
      WHERE r.node_id = $1 AND r.minute >= to_timestamp($3) AND r.minute < to_timestamp($4) AND r.metric < 100
      GROUP BY r.metric, bucket
      ORDER BY r.metric, bucket`,
    [nodeId, step, fromS, toS],
  );
  const buckets = Array.from({ length: seconds / step }, (_, i) => fromS + i * step);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const series: Series[] = METRICS.map((m) => ({
    metric: m.name,
    label: m.label,
    unit: m.unit,
    t: buckets,
    avg: buckets.map(() => null),
    min: buckets.map(() => null),
    max: buckets.map(() => null),
  }));
  const byId = new Map(METRICS.map((m, i) => [m.id, series[i]!]));
  for (const r of rows) {
    const s = byId.get(r.metric);
    const i = index.get(Number(r.bucket));
    if (!s || i === undefined) continue;
    s.avg[i] = r.avg;
    s.min[i] = r.min;
    s.max[i] = r.max;
  }
  return { from: new Date(fromS * 1000).toISOString(), to: new Date(toS * 1000).toISOString(), stepSeconds: step, series };
}
