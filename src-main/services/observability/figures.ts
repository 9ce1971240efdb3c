import type { Sql } from '../../db';

/** The minutes the "now" figures cover: the last five complete ones. */
export const FIGURE_MINUTES = 5;

export interface WindowFigures {
  corridorId: string | null;
  latency: { p50: number; p95: number; p99: number } | null;
  errorRate: number | null;
  queueSum: number | null;
  queueP95: number | null;
  tokensPerS: number | null;
  whPer1kTokens: number | null;
  until: string | null;
}

interface Row {
  corridor_id: string | null;
  grid: boolean;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  error_rate: number | null;
  queue_sum: number | null;
  queue_p95: number | null;
  tokens: number | null;
  energy_wh: number | null;
  until: string | null;
}

/**
 * Latency, errors, queues and energy per token over the last complete minutes, straight from the
 * node rollups (so they do not depend on any background job): each node's mean over the window
 * first, then P50/P95/P99 and sums across the corridor's (and the grid's) nodes.
 */
export async function windowFigures(sql: Sql, now: Date): Promise<WindowFigures[]> {
  const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const from = new Date(to.getTime() - FIGURE_MINUTES * 60_000);
  const rows = await sql.query<Row>(
    `WITH node AS (
       SELECT r.node_id, s.corridor_id,
              sum(r.sum) FILTER (WHERE r.metric = 7) / nullif(sum(r.n) FILTER (WHERE r.metric = 7), 0) AS latency,
              sum(r.sum) FILTER (WHERE r.metric = 9) / nullif(sum(r.n) FILTER (WHERE r.metric = 9), 0) AS error_rate,
              sum(r.sum) FILTER (WHERE r.metric = 8) / nullif(sum(r.n) FILTER (WHERE r.metric = 8), 0) AS queue,
              sum(r.sum / r.n * 60) FILTER (WHERE r.metric = 6) AS tokens,
              sum(r.sum) FILTER (WHERE r.metric = 5) AS energy_wh,
              max(r.minute) AS last_minute
         FROM mc.telemetry_rollups_1m r
         JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id
         JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
        WHERE r.org_id = mc.current_org_id() AND r.minute >= $1 AND r.minute < $2 AND r.metric IN (5, 6, 7, 8, 9)
        GROUP BY r.node_id, s.corridor_id
     )
     SELECT corridor_id, grouping(corridor_id) = 1 AS grid,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY latency) AS p99,
            avg(error_rate) AS error_rate, sum(queue) AS queue_sum, percentile_cont(0.95) WITHIN GROUP (ORDER BY queue) AS queue_p95,
            sum(tokens) AS tokens, sum(energy_wh) AS energy_wh, max(last_minute) + interval '1 minute' AS until
       FROM node
      GROUP BY GROUPING SETS ((corridor_id), ())`,
    [from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => ({
    corridorId: r.grid ? null : r.corridor_id,
    latency: r.p50 === null ? null : { p50: r.p50, p95: r.p95!, p99: r.p99! },
    errorRate: r.error_rate,
    queueSum: r.queue_sum,
    queueP95: r.queue_p95,
    tokensPerS: r.tokens === null ? null : r.tokens / (FIGURE_MINUTES * 60),
    whPer1kTokens: r.tokens && r.tokens > 0 && r.energy_wh !== null ? (r.energy_wh / r.tokens) * 1000 : null,
    until: r.until,
  }));
}

/** Recompute the per-minute figures of the last `minutes` complete minutes (the ops job, each minute). */
export async function computeMinutes(sql: Sql, now: Date, minutes: number): Promise<number> {
  const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const from = new Date(to.getTime() - minutes * 60_000);
  return (await sql.one<{ n: number }>('SELECT mc.compute_corridor_minutes($1, $2) AS n', [from.toISOString(), to.toISOString()])).n;
}

/** The newest minute computed, to know how far back a workstation that just connected must catch up. */
export async function lastComputedMinute(sql: Sql): Promise<Date | null> {
  const r = await sql.one<{ m: string | null }>('SELECT max(minute) AS m FROM mc.corridor_minutes WHERE corridor_id IS NULL');
  return r.m ? new Date(r.m) : null;
}

export async function series(sql: Sql, corridorId: string | null, window: '1h' | '24h', now: Date) {
  const stepSeconds = window === '1h' ? 60 : 300;
  const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const from = new Date(to.getTime() - (window === '1h' ? 3600_000 : 86_400_000));
  // Five-minute points are the mean of their minutes' percentiles and the sum of their tokens and energy.
  const rows = await sql.query<{
    t: string;
    nodes: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    error_rate: number | null;
    queue_sum: number | null;
    queue_p95: number | null;
    tokens: number | null;
    energy_wh: number | null;
    minutes: number;
  }>(
    // Every step of the window is a point: a step with no figures is a gap (nulls), never a line drawn across it.
    `WITH binned AS (
       SELECT date_bin(make_interval(secs => $4), minute, $2::timestamptz) AS t, max(nodes_reporting)::int AS nodes,
              avg(latency_p50) AS p50, avg(latency_p95) AS p95, avg(latency_p99) AS p99, avg(error_rate) AS error_rate,
              avg(queue_sum) AS queue_sum, avg(queue_p95) AS queue_p95, sum(tokens) AS tokens, sum(energy_wh) AS energy_wh, count(*)::int AS minutes
         FROM mc.corridor_minutes
        WHERE corridor_id IS NOT DISTINCT FROM $1::uuid AND minute >= $2 AND minute < $3
        GROUP BY 1
     )
     SELECT g.t, coalesce(b.nodes, 0) AS nodes, b.p50, b.p95, b.p99, b.error_rate, b.queue_sum, b.queue_p95, b.tokens, b.energy_wh, coalesce(b.minutes, 0) AS minutes
       FROM generate_series($2::timestamptz, $3::timestamptz - make_interval(secs => $4), make_interval(secs => $4)) AS g(t)
       LEFT JOIN binned b ON b.t = g.t
      ORDER BY g.t`,
    [corridorId, from.toISOString(), to.toISOString(), stepSeconds],
  );
  return {
    stepSeconds,
    from: from.toISOString(),
    to: to.toISOString(),
    points: rows.map((r) => ({
      t: r.t,
      nodesReporting: r.nodes,
      latencyP50: r.p50,
      latencyP95: r.p95,
      latencyP99: r.p99,
      errorRate: r.error_rate,
      queueSum: r.queue_sum,
      queueP95: r.queue_p95,
      tokensPerS: r.tokens === null || r.minutes === 0 ? null : r.tokens / (r.minutes * 60),
      whPer1kTokens: r.tokens && r.tokens > 0 && r.energy_wh !== null ? (r.energy_wh / r.tokens) * 1000 : null,
    })),
  };
}
