import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import type { SiteSeries } from '../../../src-shared/contract/network';
import { McError } from '../../../src-shared/contract/errors';
import type { Sql } from '../../db';
import { incidentsAffectingSite } from '../incidents';

const HOUR = 60;

interface MinuteRow {
  t: number;
  tokens: number | null;
  p95: number | null;
  errors: number | null;
  util: number | null;
  reporting: number;
}

/**
 * A site's last hour by minute from the node rollups (metric ids of sql/0006): each node's mean
 * for the minute first, then the site's sum (tokens/s), worst (P95 latency) and mean (errors,
 * GPU utilisation). Minutes nobody reported stay as gaps, not zeros.
 */
export async function siteSeries(sql: Sql, siteId: string, now: Date): Promise<{ from: string; to: string; series: SiteSeries }> {
  const to = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
  const from = new Date(to.getTime() - HOUR * 60_000);
  const rows = await sql.query<MinuteRow>(
    `WITH node AS (
       SELECT r.minute, r.node_id,
              max(r.sum / r.n) FILTER (WHERE r.metric = 6) AS tokens,
              max(r.sum / r.n) FILTER (WHERE r.metric = 7) AS p95,
              max(r.sum / r.n) FILTER (WHERE r.metric = 9) AS errors,
              max(r.sum / r.n) FILTER (WHERE r.metric = 1) AS util
         FROM mc.nodes n
         JOIN mc.telemetry_rollups_1m r ON r.org_id = n.org_id AND r.node_id = n.id
        WHERE n.site_id = $1 AND r.metric IN (1, 6, 7, 9) AND r.minute >= $2 AND r.minute < $3
        GROUP BY r.minute, r.node_id
     )
     SELECT extract(epoch FROM minute)::int AS t, sum(tokens) AS tokens, max(p95) AS p95, avg(errors) AS errors, avg(util) AS util,
            count(*)::int AS reporting
       FROM node GROUP BY minute`,
    [siteId, from.toISOString(), to.toISOString()],
  );
  const byMinute = new Map(rows.map((r) => [r.t, r]));
  const series: SiteSeries = { t: [], tokensPerS: [], p95LatencyMs: [], errorRate: [], gpuUtilPct: [], reporting: [] };
  for (let t = from.getTime() / 1000; t < to.getTime() / 1000; t += 60) {
    const r = byMinute.get(t);
    series.t.push(t);
    series.tokensPerS.push(r?.tokens ?? null);
    series.p95LatencyMs.push(r?.p95 ?? null);
    series.errorRate.push(r?.errors ?? null);
    series.gpuUtilPct.push(r?.util ?? null);
    series.reporting.push(r?.reporting ?? 0);
  }
  return { from: from.toISOString(), to: to.toISOString(), series };
}

/** The side panel of a site on the network map. */
export async function siteDetail(sql: Sql, siteId: string, now: Date): Promise<{ from: string; to: string; incidents: IncidentSummary[]; series: SiteSeries }> {
  const exists = await sql.query('SELECT 1 FROM mc.sites WHERE id = $1', [siteId]);
  if (exists.length === 0) throw new McError('NOT_FOUND', 'That site does not exist in this org (it may have been removed, or you switched org).');
  return { ...(await siteSeries(sql, siteId, now)), incidents: await incidentsAffectingSite(sql, siteId) };
}
