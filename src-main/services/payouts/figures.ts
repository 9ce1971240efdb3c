import { type NodeFigures, NO_TOKENS, type SiteFigures, type TokenFigures } from '../../../src-shared/domain/payouts';
import type { Sql } from '../../db';

/** The telemetry metric ids these figures read (src-shared/domain/metrics.ts). */
const POWER_W = 4;
const TOKENS_PER_S = 6;

interface NodeRow {
  id: string;
  site_id: string;
  gpu_model: string;
  gpu_count: number;
  expected: number;
  up: number;
  rate_minutes: number;
  serving: number;
  power_minutes: number;
  energy_wh: number;
}

interface TokenRow {
  node_id: string | null;
  simulated: boolean;
  prompt: number;
  completion: number;
  events: number;
  estimated: number;
}

/**
 * Every site's per-node figures for [from, to), from records only: the per-minute telemetry
 * rollups (kept 400 days by default, the raw samples only 30) and the usage events. `until` is
 * the start of the current minute: minutes after it have not happened yet, so nobody is expected
 * to have reported in them.
 */
export async function siteFigures(sql: Sql, from: string, to: string, until: string): Promise<{ sites: SiteFigures[]; unattributed: TokenFigures }> {
  const sites = await sql.query<{ id: string; key: string; name: string; country: string; owner_name: string }>(
    'SELECT id, key, name, country, owner_name FROM mc.sites ORDER BY owner_name, name',
  );
  // A node is expected to report from its registration (or the period start) until the period
  // end, now, or its retirement, whichever comes first; any telemetry in a minute counts it up.
  const nodes = await sql.query<NodeRow>(
    `WITH n AS (
       SELECT n.id, n.site_id, n.gpu_model, n.gpu_count,
              greatest($1::timestamptz, date_trunc('minute', n.created_at)) AS f,
              least($2::timestamptz, $3::timestamptz,
                    CASE WHEN n.lifecycle = 'retired' THEN date_trunc('minute', n.lifecycle_changed_at) END) AS t
         FROM mc.nodes n
        WHERE n.created_at < $2 AND NOT (n.lifecycle = 'retired' AND n.lifecycle_changed_at < $1)
     ), r AS (
       SELECT r.node_id,
              count(DISTINCT r.minute) FILTER (WHERE r.minute >= n.f AND r.minute < n.t)::int AS up,
              count(*) FILTER (WHERE r.metric = ${TOKENS_PER_S})::int AS rate_minutes,
              count(*) FILTER (WHERE r.metric = ${TOKENS_PER_S} AND r.sum > 0)::int AS serving,
              count(*) FILTER (WHERE r.metric = ${POWER_W})::int AS power_minutes,
              coalesce(sum(r.sum / r.n) FILTER (WHERE r.metric = ${POWER_W}), 0) / 60.0 AS energy_wh
         FROM mc.telemetry_rollups_1m r
         JOIN n ON n.id = r.node_id
        WHERE r.org_id = mc.current_org_id() AND r.minute >= $1 AND r.minute < $2 AND r.n > 0
        GROUP BY r.node_id
     )
     SELECT n.id, n.site_id, n.gpu_model, n.gpu_count,
            greatest(0, floor(extract(epoch FROM n.t - n.f) / 60))::int AS expected,
            coalesce(r.up, 0) AS up, coalesce(r.rate_minutes, 0) AS rate_minutes, coalesce(r.serving, 0) AS serving,
            coalesce(r.power_minutes, 0) AS power_minutes, coalesce(r.energy_wh, 0)::float8 AS energy_wh
       FROM n LEFT JOIN r ON r.node_id = n.id`,
    [from, to, until],
  );
  // Sums as float8: exact to 2^53 tokens, and pg returns bigint as text.
  const tokens = await sql.query<TokenRow>(
    `SELECT e.node_id, e.simulated, sum(e.prompt_tokens)::float8 AS prompt, sum(e.completion_tokens)::float8 AS completion,
            count(*)::int AS events, (count(*) FILTER (WHERE e.estimated))::int AS estimated
       FROM mc.usage_events e
      WHERE e.org_id = mc.current_org_id() AND e.occurred_at >= $1 AND e.occurred_at < $2
      GROUP BY e.node_id, e.simulated`,
    [from, to],
  );

  const siteOfNode = new Map<string, string>();
  const nodesBySite = new Map<string, NodeFigures[]>();
  for (const n of nodes) {
    siteOfNode.set(n.id, n.site_id);
    const list = nodesBySite.get(n.site_id) ?? [];
    list.push({
      gpuModel: n.gpu_model,
      gpuCount: n.gpu_count,
      expectedMinutes: n.expected,
      upMinutes: n.up,
      rateMinutes: n.rate_minutes,
      servingMinutes: n.serving,
      powerMinutes: n.power_minutes,
      energyWh: n.energy_wh,
    });
    nodesBySite.set(n.site_id, list);
  }
  const add = (a: TokenFigures, t: TokenRow): TokenFigures => ({
    prompt: a.prompt + t.prompt,
    completion: a.completion + t.completion,
    events: a.events + t.events,
    estimatedEvents: a.estimatedEvents + t.estimated,
  });
  const real = new Map<string, TokenFigures>();
  const simulated = new Map<string, TokenFigures>();
  let unattributed = NO_TOKENS;
  for (const t of tokens) {
    // An event without a node (refused before routing) or on a node no longer listed names no site.
    const siteId = t.node_id ? siteOfNode.get(t.node_id) : undefined;
    if (!siteId) {
      unattributed = add(unattributed, t);
      continue;
    }
    const into = t.simulated ? simulated : real;
    into.set(siteId, add(into.get(siteId) ?? NO_TOKENS, t));
  }

  return {
    sites: sites.map((s) => ({
      siteId: s.id,
      siteKey: s.key,
      siteName: s.name,
      country: s.country,
      ownerName: s.owner_name,
      nodes: nodesBySite.get(s.id) ?? [],
      tokens: real.get(s.id) ?? NO_TOKENS,
      simulated: simulated.get(s.id) ?? NO_TOKENS,
    })),
    unattributed,
  };
}
