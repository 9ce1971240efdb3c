SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Per-minute figures of each corridor and of the whole grid, computed from the node rollups:
-- what /observability charts over a day without reading millions of rollup rows per view.
-- corridor_id NULL is the whole grid.

CREATE TABLE mc.corridor_minutes (
  org_id          uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  corridor_id     uuid,
  minute          timestamptz NOT NULL,
  nodes_reporting integer NOT NULL,
  -- P50/P95/P99 across nodes of each node's reported P95 latency that minute.
  latency_p50     double precision,
  latency_p95     double precision,
  latency_p99     double precision,
  error_rate      double precision,
  queue_sum       double precision,
  queue_p95       double precision,
  energy_wh       double precision,
  tokens          double precision,
  gpu_util_avg    double precision,
  computed_at     timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, corridor_id) REFERENCES mc.corridors (org_id, id) ON DELETE CASCADE,
  UNIQUE NULLS NOT DISTINCT (org_id, corridor_id, minute)
);
CREATE INDEX corridor_minutes_minute_idx ON mc.corridor_minutes (org_id, minute);

ALTER TABLE mc.corridor_minutes ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.corridor_minutes FORCE ROW LEVEL SECURITY;
CREATE POLICY corridor_minutes_read ON mc.corridor_minutes FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY corridor_minutes_insert ON mc.corridor_minutes FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY corridor_minutes_update ON mc.corridor_minutes FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY corridor_minutes_retention ON mc.corridor_minutes FOR DELETE TO CURRENT_USER USING (true);
GRANT SELECT, INSERT ON mc.corridor_minutes TO mc_app;
GRANT UPDATE (nodes_reporting, latency_p50, latency_p95, latency_p99, error_rate, queue_sum, queue_p95, energy_wh, tokens, gpu_util_avg, computed_at)
  ON mc.corridor_minutes TO mc_app;

-- (Re)compute the minutes in [p_from, p_to) for the current org, as the calling app role (so under
-- its RLS). Late batches change recent minutes, so callers recompute the last few each time.
CREATE FUNCTION mc.compute_corridor_minutes(p_from timestamptz, p_to timestamptz) RETURNS integer
  LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
    WITH node_minute AS (
      SELECT r.node_id, r.minute, s.corridor_id,
             max(r.sum / r.n) FILTER (WHERE r.metric = 7) AS latency,
             max(r.sum / r.n) FILTER (WHERE r.metric = 9) AS error_rate,
             max(r.sum / r.n) FILTER (WHERE r.metric = 8) AS queue,
             max(r.sum) FILTER (WHERE r.metric = 5) AS energy_wh,
             max(r.sum / r.n) FILTER (WHERE r.metric = 6) * 60 AS tokens,
             max(r.sum / r.n) FILTER (WHERE r.metric = 1) AS util
        FROM mc.telemetry_rollups_1m r
        JOIN mc.nodes n ON n.org_id = r.org_id AND n.id = r.node_id
        JOIN mc.sites s ON s.org_id = n.org_id AND s.id = n.site_id
       WHERE r.org_id = mc.current_org_id() AND r.minute >= p_from AND r.minute < p_to AND r.metric IN (1, 5, 6, 7, 8, 9)
       GROUP BY r.node_id, r.minute, s.corridor_id
    ), up AS (
      INSERT INTO mc.corridor_minutes AS c (org_id, corridor_id, minute, nodes_reporting, latency_p50, latency_p95, latency_p99,
                                            error_rate, queue_sum, queue_p95, energy_wh, tokens, gpu_util_avg, computed_at)
      SELECT mc.current_org_id(), corridor_id, minute, count(*)::int,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY latency), percentile_cont(0.95) WITHIN GROUP (ORDER BY latency),
             percentile_cont(0.99) WITHIN GROUP (ORDER BY latency), avg(error_rate), sum(queue),
             percentile_cont(0.95) WITHIN GROUP (ORDER BY queue), sum(energy_wh), sum(tokens), avg(util), now()
        FROM node_minute
       GROUP BY GROUPING SETS ((minute, corridor_id), (minute))
      ON CONFLICT (org_id, corridor_id, minute) DO UPDATE SET
        nodes_reporting = excluded.nodes_reporting, latency_p50 = excluded.latency_p50, latency_p95 = excluded.latency_p95,
        latency_p99 = excluded.latency_p99, error_rate = excluded.error_rate, queue_sum = excluded.queue_sum,
        queue_p95 = excluded.queue_p95, energy_wh = excluded.energy_wh, tokens = excluded.tokens,
        gpu_util_avg = excluded.gpu_util_avg, computed_at = excluded.computed_at
      RETURNING 1
    )
    SELECT count(*)::int FROM up
  $$;
REVOKE ALL ON FUNCTION mc.compute_corridor_minutes(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.compute_corridor_minutes(timestamptz, timestamptz) TO mc_app;

-- Upkeep of the operations tables, next to mc.telemetry_maintain: alert transitions are kept 30
-- days, corridor minutes as long as the rollups they come from.
CREATE FUNCTION mc.ops_maintain() RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    alert_events_deleted bigint;
    minutes_deleted bigint;
  BEGIN
    DELETE FROM mc.alert_events WHERE at < now() - interval '30 days';
    GET DIAGNOSTICS alert_events_deleted = ROW_COUNT;
    DELETE FROM mc.corridor_minutes WHERE minute < now() - make_interval(days => mc.setting_int('rollup_retention_days'));
    GET DIAGNOSTICS minutes_deleted = ROW_COUNT;
    RETURN jsonb_build_object('alert_events_deleted', alert_events_deleted, 'corridor_minutes_deleted', minutes_deleted);
  END
  $$;
REVOKE ALL ON FUNCTION mc.ops_maintain() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.ops_maintain() TO mc_app;
