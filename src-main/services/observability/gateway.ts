import type { GatewayInstance } from '../../../src-shared/contract/observability';
import type { Sql } from '../../db';

/** Outcomes that mean the request was served (a replay answers a served request's stored answer). */
export const SERVED_OUTCOMES = ['served', 'idempotent_replay'] as const;

/**
 * Every gateway instance's requests and refusals over the last hour, from the request records the
 * gateways write (mc.api_requests): the same figures wherever the gateway runs, since it meets the
 * app only in Postgres. A request refused before its key was known (401) names no customer and is
 * not recorded there; the keys page counts those.
 */
export async function gatewayActivity(sql: Sql, now: Date): Promise<GatewayInstance[]> {
  const rows = await sql.query<{
    instance: string;
    simulated: boolean;
    last_request_at: string;
    requests_15m: number;
    refused_15m: number;
    requests_1h: number;
    refused_1h: number;
    refused_by: { outcome: string; count: number }[] | null;
  }>(
    `WITH r AS (
       SELECT gateway_instance, simulated, started_at, outcome, outcome <> ALL ($2::text[]) AS refused
         FROM mc.api_requests WHERE started_at > $1::timestamptz - interval '1 hour' AND started_at <= $1::timestamptz)
     SELECT i.gateway_instance AS instance, bool_and(i.simulated) AS simulated, max(i.started_at) AS last_request_at,
            count(*) FILTER (WHERE i.started_at > $1::timestamptz - interval '15 minutes')::int AS requests_15m,
            count(*) FILTER (WHERE i.refused AND i.started_at > $1::timestamptz - interval '15 minutes')::int AS refused_15m,
            count(*)::int AS requests_1h,
            count(*) FILTER (WHERE i.refused)::int AS refused_1h,
            (SELECT jsonb_agg(jsonb_build_object('outcome', x.outcome, 'count', x.n) ORDER BY x.n DESC, x.outcome)
               FROM (SELECT outcome, count(*)::int AS n FROM r WHERE r.gateway_instance = i.gateway_instance AND r.refused GROUP BY outcome) x) AS refused_by
       FROM r i
      GROUP BY i.gateway_instance
      ORDER BY max(i.started_at) DESC
      LIMIT 50`,
    [now.toISOString(), SERVED_OUTCOMES],
  );
  return rows.map((r) => ({
    instance: r.instance,
    simulated: r.simulated,
    lastRequestAt: new Date(r.last_request_at).toISOString(),
    requests15m: r.requests_15m,
    refused15m: r.refused_15m,
    requests1h: r.requests_1h,
    refused1h: r.refused_1h,
    refusedBy: r.refused_by ?? [],
  }));
}
