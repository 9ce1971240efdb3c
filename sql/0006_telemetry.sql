SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Telemetry: raw samples partitioned by day, one-minute rollups for dashboards, each node's
-- latest figures, idempotent batches, and the ingest function node agents call.

-- Platform-wide settings (one installation, all orgs): changed by the database owner.
CREATE TABLE mc.platform_settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO mc.platform_settings (key, value) VALUES
  ('telemetry_retention_days', '30'),
  ('rollup_retention_days', '400'),
  ('ingest_batch_window_hours', '48');
ALTER TABLE mc.platform_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.platform_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_settings_read ON mc.platform_settings FOR SELECT USING (true);
GRANT SELECT ON mc.platform_settings TO mc_app, mc_definer;

CREATE FUNCTION mc.setting_int(p_key text) RETURNS integer
  LANGUAGE sql STABLE
  AS $$ SELECT (value #>> '{}')::integer FROM mc.platform_settings WHERE key = p_key $$;
GRANT EXECUTE ON FUNCTION mc.setting_int(text) TO mc_app, mc_definer;

-- The metric catalogue (same as src-shared/domain/metrics.ts; a test keeps them equal).
CREATE TABLE mc.telemetry_metrics (
  id    smallint PRIMARY KEY,
  name  text NOT NULL UNIQUE,
  label text NOT NULL,
  unit  text NOT NULL,
  min   double precision NOT NULL,
  max   double precision NOT NULL
);
INSERT INTO mc.telemetry_metrics (id, name, label, unit, min, max) VALUES
  (1, 'gpu_util_pct', 'GPU utilisation', '%', 0, 100),
  (2, 'gpu_mem_used_mb', 'GPU memory used', 'MB', 0, 8388608),
  (3, 'gpu_temp_c', 'GPU temperature', '°C', -40, 150),
  (4, 'power_w', 'Power draw', 'W', 0, 100000),
  (5, 'energy_wh', 'Energy since last sample', 'Wh', 0, 10000000),
  (6, 'tokens_per_s', 'Tokens per second', 'tok/s', 0, 10000000),
  (7, 'p95_latency_ms', 'P95 latency', 'ms', 0, 3600000),
  (8, 'queue_depth', 'Queue depth', 'requests', 0, 10000000),
  (9, 'error_rate', 'Error rate', 'ratio', 0, 1),
  (100, 'probe', 'Validation probe', 'n', 0, 1);
ALTER TABLE mc.telemetry_metrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.telemetry_metrics FORCE ROW LEVEL SECURITY;
CREATE POLICY telemetry_metrics_read ON mc.telemetry_metrics FOR SELECT USING (true);
GRANT SELECT ON mc.telemetry_metrics TO mc_app, mc_definer;

-- Raw samples. Narrow rows, no foreign key (the key check already proved the node), one index.
-- Partitions live in schema mc_telemetry, which no app role can enter: the only way in is the
-- parent table and its row-level security.
CREATE SCHEMA IF NOT EXISTS mc_telemetry;
REVOKE ALL ON SCHEMA mc_telemetry FROM PUBLIC;

CREATE TABLE mc.telemetry (
  org_id  uuid NOT NULL,
  node_id uuid NOT NULL,
  ts      timestamptz NOT NULL,
  metric  smallint NOT NULL,
  value   double precision NOT NULL
) PARTITION BY RANGE (ts);
CREATE INDEX telemetry_node_ts_idx ON mc.telemetry (node_id, ts);
ALTER TABLE mc.telemetry ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.telemetry FORCE ROW LEVEL SECURITY;
CREATE POLICY telemetry_read ON mc.telemetry FOR SELECT USING (org_id = (SELECT mc.current_org_id()));
-- (SELECT …) makes the org an InitPlan: evaluated once per statement, not once per inserted row.
CREATE POLICY telemetry_insert ON mc.telemetry FOR INSERT WITH CHECK (org_id = (SELECT mc.current_org_id()));
GRANT SELECT ON mc.telemetry TO mc_app;
GRANT INSERT ON mc.telemetry TO mc_definer;

CREATE TABLE mc.telemetry_rollups_1m (
  org_id  uuid NOT NULL,
  node_id uuid NOT NULL,
  metric  smallint NOT NULL,
  minute  timestamptz NOT NULL,
  n       integer NOT NULL,
  sum     double precision NOT NULL,
  min     double precision NOT NULL,
  max     double precision NOT NULL,
  last    double precision NOT NULL,
  last_ts timestamptz NOT NULL,
  PRIMARY KEY (node_id, metric, minute)
);
CREATE INDEX telemetry_rollups_org_minute_idx ON mc.telemetry_rollups_1m (org_id, minute);
ALTER TABLE mc.telemetry_rollups_1m ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.telemetry_rollups_1m FORCE ROW LEVEL SECURITY;
CREATE POLICY telemetry_rollups_read ON mc.telemetry_rollups_1m FOR SELECT USING (org_id = (SELECT mc.current_org_id()));
CREATE POLICY telemetry_rollups_write ON mc.telemetry_rollups_1m FOR INSERT WITH CHECK (org_id = (SELECT mc.current_org_id()));
CREATE POLICY telemetry_rollups_update ON mc.telemetry_rollups_1m FOR UPDATE USING (org_id = (SELECT mc.current_org_id())) WITH CHECK (org_id = (SELECT mc.current_org_id()));
-- Retention (mc.telemetry_maintain, run as the owner) deletes across orgs; RLS is forced, so the
-- owner needs its own policy when it is not a superuser (Supabase).
CREATE POLICY telemetry_rollups_retention ON mc.telemetry_rollups_1m FOR DELETE TO CURRENT_USER USING (true);
GRANT SELECT ON mc.telemetry_rollups_1m TO mc_app;
GRANT SELECT, INSERT, UPDATE ON mc.telemetry_rollups_1m TO mc_definer;

-- Each node's newest figures, for the nodes table and health, without scanning samples.
CREATE TABLE mc.node_latest (
  node_id         uuid PRIMARY KEY,
  org_id          uuid NOT NULL,
  seen_at         timestamptz NOT NULL,
  gpu_util_pct    double precision,
  gpu_mem_used_mb double precision,
  gpu_temp_c      double precision,
  power_w         double precision,
  energy_wh       double precision,
  tokens_per_s    double precision,
  p95_latency_ms  double precision,
  queue_depth     double precision,
  error_rate      double precision,
  FOREIGN KEY (org_id, node_id) REFERENCES mc.nodes (org_id, id) ON DELETE CASCADE
);
ALTER TABLE mc.node_latest ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.node_latest FORCE ROW LEVEL SECURITY;
CREATE POLICY node_latest_read ON mc.node_latest FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY node_latest_insert ON mc.node_latest FOR INSERT WITH CHECK (org_id = mc.current_org_id());
CREATE POLICY node_latest_update ON mc.node_latest FOR UPDATE USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id());
GRANT SELECT ON mc.node_latest TO mc_app;
GRANT SELECT, INSERT, UPDATE ON mc.node_latest TO mc_definer;

-- Idempotency: a batch id is accepted once per node; a re-send answers "duplicate".
CREATE TABLE mc.ingest_batches (
  org_id      uuid NOT NULL,
  node_id     uuid NOT NULL,
  batch_id    uuid NOT NULL,
  key_id      uuid NOT NULL,
  samples     integer NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (node_id, batch_id)
);
CREATE INDEX ingest_batches_received_idx ON mc.ingest_batches (received_at);
ALTER TABLE mc.ingest_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.ingest_batches FORCE ROW LEVEL SECURITY;
CREATE POLICY ingest_batches_read ON mc.ingest_batches FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY ingest_batches_insert ON mc.ingest_batches FOR INSERT WITH CHECK (org_id = mc.current_org_id());
CREATE POLICY ingest_batches_retention ON mc.ingest_batches FOR DELETE TO CURRENT_USER USING (true);
GRANT SELECT ON mc.ingest_batches TO mc_app;
GRANT SELECT, INSERT ON mc.ingest_batches TO mc_definer;

-- Partition upkeep: create day partitions, drop the ones past retention. Runs as the table's
-- owner (DDL needs it), callable only through these two functions.
CREATE FUNCTION mc.telemetry_ensure_days(p_from date, p_to date) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
    keep_days integer := mc.setting_int('telemetry_retention_days');
    d date;
    created integer := 0;
    name text;
  BEGIN
    -- Only days that can hold valid samples: the retention window up to a week ahead.
    FOR d IN SELECT generate_series(greatest(p_from, today - keep_days), least(p_to, today + 8), interval '1 day')::date LOOP
      name := 'telemetry_' || to_char(d, 'YYYYMMDD');
      IF to_regclass('mc_telemetry.' || name) IS NULL THEN
        -- Serialise creators of the same day (two ingest calls, maintenance).
        PERFORM pg_advisory_xact_lock(hashtext('mc_telemetry.' || name));
        IF to_regclass('mc_telemetry.' || name) IS NULL THEN
          -- Created on its own, then attached: ATTACH takes a lock that lets inserts and reads go
          -- on, where CREATE … PARTITION OF would stop every ingest until this transaction ends.
          -- Bounds are UTC midnights whatever the session's time zone.
          EXECUTE format('CREATE TABLE mc_telemetry.%I (LIKE mc.telemetry INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
          EXECUTE format('ALTER TABLE mc.telemetry ATTACH PARTITION mc_telemetry.%I FOR VALUES FROM (%L) TO (%L)',
                         name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
          created := created + 1;
        END IF;
      END IF;
    END LOOP;
    RETURN created;
  END
  $$;
REVOKE ALL ON FUNCTION mc.telemetry_ensure_days(date, date) FROM PUBLIC;

CREATE FUNCTION mc.telemetry_maintain() RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    keep_days integer := mc.setting_int('telemetry_retention_days');
    rollup_days integer := mc.setting_int('rollup_retention_days');
    batch_hours integer := mc.setting_int('ingest_batch_window_hours');
    today date := (now() AT TIME ZONE 'UTC')::date;
    p record;
    dropped integer := 0;
    created integer;
    rollups_deleted bigint;
    batches_deleted bigint;
  BEGIN
    created := mc.telemetry_ensure_days(today - keep_days, today + 7);
    FOR p IN
      SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE i.inhparent = 'mc.telemetry'::regclass AND n.nspname = 'mc_telemetry'
         AND c.relname ~ '^telemetry_\d{8}$'
         AND to_date(substr(c.relname, 11), 'YYYYMMDD') < today - keep_days
    LOOP
      EXECUTE format('DROP TABLE mc_telemetry.%I', p.relname);
      dropped := dropped + 1;
    END LOOP;
    DELETE FROM mc.telemetry_rollups_1m WHERE minute < now() - make_interval(days => rollup_days);
    GET DIAGNOSTICS rollups_deleted = ROW_COUNT;
    DELETE FROM mc.ingest_batches WHERE received_at < now() - make_interval(hours => batch_hours);
    GET DIAGNOSTICS batches_deleted = ROW_COUNT;
    RETURN jsonb_build_object('partitions_created', created, 'partitions_dropped', dropped,
                              'rollups_deleted', rollups_deleted, 'batches_deleted', batches_deleted,
                              'retention_days', keep_days);
  END
  $$;
REVOKE ALL ON FUNCTION mc.telemetry_maintain() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.telemetry_maintain() TO mc_app;

-- What is wrong with one sample, or NULL: the single statement of the ingest rules. A plain SQL
-- expression, so the planner inlines it and checking costs no function call per sample. STABLE,
-- not IMMUTABLE: its body uses stable functions, and a function declared stricter than its body
-- is never inlined (measured: 40 % slower ingest).
CREATE FUNCTION mc.sample_problem(
  p_ts timestamptz, p_metric text, p_known boolean, p_min double precision, p_max double precision,
  p_value double precision, p_now timestamptz, p_keep_days integer
) RETURNS text
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN p_ts IS NULL THEN 'timestamp missing'
      WHEN p_ts > p_now + interval '5 minutes' THEN 'timestamp more than 5 minutes in the future'
      WHEN p_ts < p_now - make_interval(days => p_keep_days) THEN format('timestamp older than the %s-day retention', p_keep_days)
      WHEN NOT p_known THEN format('unknown metric %s', left(coalesce(p_metric, 'null'), 40))
      WHEN p_value IS NULL OR p_value = 'NaN'::float8 OR p_value IN ('Infinity'::float8, '-Infinity'::float8) THEN 'value missing or not a number'
      WHEN p_value < p_min OR p_value > p_max THEN format('%s must be between %s and %s', p_metric, p_min, p_max)
    END
  $$;
GRANT EXECUTE ON FUNCTION mc.sample_problem(timestamptz, text, boolean, double precision, double precision, double precision, timestamptz, integer) TO mc_definer;

-- The data plane. A node agent presents its key and a batch of samples (parallel arrays: one
-- timestamp, metric name and value per sample). The answer is always a JSON object; refusals are
-- answers, not errors, so that the refusal itself can be recorded:
--   {"status":"accepted","accepted":N}            all samples stored
--   {"status":"duplicate","accepted":N}           this batch id was already stored; nothing added
--   {"status":"rejected","code":C,"message":M[,"errors":[...]]}   nothing stored
-- Codes: key_malformed, key_invalid, key_revoked, key_expired, key_rotated_out, node_retired,
--        batch_invalid, batch_too_large, sample_invalid.
-- The work itself; mc.ingest_telemetry below is the only way in.
CREATE FUNCTION mc.ingest_batch(
  p_node_key text,
  p_batch_id uuid,
  p_ts timestamptz[],
  p_metric text[],
  p_value double precision[],
  p_agent text
) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_now timestamptz := clock_timestamp();
    v_source text;
    v_headers text := current_setting('request.headers', true);
    k record;
    v_n integer := coalesce(cardinality(p_ts), 0);
    v_keep integer;
    v_errors jsonb;
    v_prev integer;
    v_min_ts timestamptz;
    v_max_ts timestamptz;
    v_bad integer;
  BEGIN
    -- Where the call came from. The forwarded address counts only when the call arrives through
    -- PostgREST (session user "authenticator", behind Supabase's proxy); anyone else could write
    -- that header themselves, so for them it is the connection's own address. What the agent says
    -- about itself is kept, marked as its claim.
    v_source := coalesce(
      CASE WHEN session_user = 'authenticator' AND v_headers IS NOT NULL AND v_headers <> ''
           THEN nullif(trim(split_part(v_headers::json ->> 'x-forwarded-for', ',', 1)), '') END,
      host(inet_client_addr()),
      'local socket');
    IF p_agent IS NOT NULL THEN
      v_source := left(v_source || ' · agent says: ' || regexp_replace(p_agent, '[^[:print:]]', '', 'g'), 200);
    END IF;

    IF p_node_key IS NULL OR p_node_key !~ '^ume_node_[0-9A-Za-z]{38}$' THEN
      PERFORM mc.ingest_reject(NULL, NULL, 'key_malformed', v_source, NULL);
      RETURN jsonb_build_object('status', 'rejected', 'code', 'key_malformed', 'message', 'The node key is not a Mission Control node key (ume_node_…).');
    END IF;

    SELECT nk.id, nk.org_id, nk.node_id, nk.expires_at, nk.revoked_at, nk.superseded_by, nk.grace_until, n.lifecycle
      INTO k
      FROM mc.node_keys nk JOIN mc.nodes n ON n.org_id = nk.org_id AND n.id = nk.node_id
     WHERE nk.key_hash = sha256(convert_to(p_node_key, 'UTF8'));
    IF NOT FOUND THEN
      PERFORM mc.ingest_reject(NULL, NULL, 'key_invalid', v_source, NULL);
      RETURN jsonb_build_object('status', 'rejected', 'code', 'key_invalid', 'message', 'The node key is not known.');
    END IF;

    -- From here on the key names its org: every statement below runs under that org's RLS.
    PERFORM set_config('mc.org_id', k.org_id::text, true);

    IF k.revoked_at IS NOT NULL AND k.revoked_at <= v_now THEN
      PERFORM mc.ingest_reject(k.org_id, k.id, 'key_revoked', v_source, NULL);
      RETURN jsonb_build_object('status', 'rejected', 'code', 'key_revoked', 'message', 'The node key was revoked.');
    END IF;
    IF k.superseded_by IS NOT NULL AND k.grace_until <= v_now THEN
      PERFORM mc.ingest_reject(k.org_id, k.id, 'key_rotated_out', v_source, NULL);
      RETURN jsonb_build_object('status', 'rejected', 'code', 'key_rotated_out', 'message', 'The node key was rotated and its grace period is over; use the new key.');
    END IF;
    IF k.expires_at IS NOT NULL AND k.expires_at <= v_now THEN
      PERFORM mc.ingest_reject(k.org_id, k.id, 'key_expired', v_source, NULL);
      RETURN jsonb_build_object('status', 'rejected', 'code', 'key_expired', 'message', 'The node key has expired.');
    END IF;
    IF k.lifecycle = 'retired' THEN
      PERFORM mc.ingest_reject(k.org_id, k.id, 'node_retired', v_source, NULL);
      RETURN jsonb_build_object('status', 'rejected', 'code', 'node_retired', 'message', 'The node is retired; it may not send telemetry.');
    END IF;

    IF p_batch_id IS NULL OR v_n = 0 OR coalesce(cardinality(p_metric), 0) <> v_n OR coalesce(cardinality(p_value), 0) <> v_n THEN
      PERFORM mc.ingest_reject(k.org_id, k.id, 'batch_invalid', v_source, 'batch id missing, empty batch, or arrays of different lengths');
      RETURN jsonb_build_object('status', 'rejected', 'code', 'batch_invalid',
        'message', 'A batch needs a batch id and equally long, non-empty arrays of timestamps, metrics and values.');
    END IF;
    IF v_n > 10000 THEN
      PERFORM mc.ingest_reject(k.org_id, k.id, 'batch_too_large', v_source, v_n || ' samples');
      RETURN jsonb_build_object('status', 'rejected', 'code', 'batch_too_large', 'message', format('A batch may hold at most 10000 samples; this one has %s.', v_n));
    END IF;

    -- Every sample must be valid, or none is stored. One pass answers "any problem?" and finds the
    -- time span; the rules themselves are mc.sample_problem.
    v_keep := mc.setting_int('telemetry_retention_days');
    SELECT min(s.ts), max(s.ts),
           count(*) FILTER (WHERE mc.sample_problem(s.ts, s.metric, m.id IS NOT NULL, m.min, m.max, s.value, v_now, v_keep) IS NOT NULL)
      INTO v_min_ts, v_max_ts, v_bad
      FROM unnest(p_ts, p_metric, p_value) AS s(ts, metric, value)
      LEFT JOIN mc.telemetry_metrics m ON m.name = s.metric;
    IF v_bad > 0 THEN
      -- Only a bad batch pays for this: the first 20 problems, in order.
      SELECT jsonb_agg(jsonb_build_object('index', i - 1, 'reason', problem) ORDER BY i) INTO v_errors FROM (
        SELECT s.i, mc.sample_problem(s.ts, s.metric, m.id IS NOT NULL, m.min, m.max, s.value, v_now, v_keep) AS problem
          FROM unnest(p_ts, p_metric, p_value) WITH ORDINALITY AS s(ts, metric, value, i)
          LEFT JOIN mc.telemetry_metrics m ON m.name = s.metric
         WHERE mc.sample_problem(s.ts, s.metric, m.id IS NOT NULL, m.min, m.max, s.value, v_now, v_keep) IS NOT NULL
         ORDER BY s.i
         LIMIT 20) bad;
      PERFORM mc.ingest_reject(k.org_id, k.id, 'sample_invalid', v_source, v_errors -> 0 ->> 'reason');
      RETURN jsonb_build_object('status', 'rejected', 'code', 'sample_invalid',
        'message', format('%s sample(s) are invalid; nothing from this batch was stored.', v_bad), 'errors', v_errors);
    END IF;

    INSERT INTO mc.ingest_batches (org_id, node_id, batch_id, key_id, samples) VALUES (k.org_id, k.node_id, p_batch_id, k.id, v_n)
      ON CONFLICT (node_id, batch_id) DO NOTHING;
    IF NOT FOUND THEN
      SELECT samples INTO v_prev FROM mc.ingest_batches WHERE node_id = k.node_id AND batch_id = p_batch_id;
      RETURN jsonb_build_object('status', 'duplicate', 'accepted', v_prev, 'message', 'This batch was already stored; nothing was added.');
    END IF;

    PERFORM mc.telemetry_ensure_days((v_min_ts AT TIME ZONE 'UTC')::date, (v_max_ts AT TIME ZONE 'UTC')::date);

    -- One sort of the batch: minute groups feed the rollups, and the newest group of each metric
    -- gives the node's latest figures (no second pass over the samples).
    WITH s AS MATERIALIZED (
      SELECT u.ts, m.id AS metric, u.value
        FROM unnest(p_ts, p_metric, p_value) AS u(ts, metric, value)
        JOIN mc.telemetry_metrics m ON m.name = u.metric
    ), raw AS (
      INSERT INTO mc.telemetry (org_id, node_id, ts, metric, value)
      SELECT k.org_id, k.node_id, s.ts, s.metric, s.value FROM s
    ), g AS MATERIALIZED (
      -- The validation probe (metric 100) proves the path, not the node's condition: it is kept
      -- raw, but never counted in rollups or taken as a sign of life.
      SELECT s.metric, date_trunc('minute', s.ts) AS minute, count(*)::int AS n, sum(s.value) AS sum, min(s.value) AS min, max(s.value) AS max,
             (array_agg(s.value ORDER BY s.ts DESC))[1] AS last, max(s.ts) AS last_ts
        FROM s WHERE s.metric < 100 GROUP BY s.metric, date_trunc('minute', s.ts)
    ), roll AS (
      INSERT INTO mc.telemetry_rollups_1m AS r (org_id, node_id, metric, minute, n, sum, min, max, last, last_ts)
      SELECT k.org_id, k.node_id, g.metric, g.minute, g.n, g.sum, g.min, g.max, g.last, g.last_ts FROM g
      ON CONFLICT (node_id, metric, minute) DO UPDATE SET
        n = r.n + excluded.n, sum = r.sum + excluded.sum, min = least(r.min, excluded.min), max = greatest(r.max, excluded.max),
        last = CASE WHEN excluded.last_ts >= r.last_ts THEN excluded.last ELSE r.last END,
        last_ts = greatest(r.last_ts, excluded.last_ts)
    ), latest AS (
      SELECT DISTINCT ON (g.metric) g.metric, g.last AS value, g.last_ts AS ts FROM g ORDER BY g.metric, g.last_ts DESC
    )
    INSERT INTO mc.node_latest AS l (node_id, org_id, seen_at, gpu_util_pct, gpu_mem_used_mb, gpu_temp_c, power_w, energy_wh,
                                     tokens_per_s, p95_latency_ms, queue_depth, error_rate)
    SELECT k.node_id, k.org_id, max(ts),
           max(value) FILTER (WHERE metric = 1), max(value) FILTER (WHERE metric = 2), max(value) FILTER (WHERE metric = 3),
           max(value) FILTER (WHERE metric = 4), max(value) FILTER (WHERE metric = 5), max(value) FILTER (WHERE metric = 6),
           max(value) FILTER (WHERE metric = 7), max(value) FILTER (WHERE metric = 8), max(value) FILTER (WHERE metric = 9)
      FROM latest
    HAVING count(*) > 0
    ON CONFLICT (node_id) DO UPDATE SET
      seen_at = excluded.seen_at,
      gpu_util_pct = coalesce(excluded.gpu_util_pct, l.gpu_util_pct), gpu_mem_used_mb = coalesce(excluded.gpu_mem_used_mb, l.gpu_mem_used_mb),
      gpu_temp_c = coalesce(excluded.gpu_temp_c, l.gpu_temp_c), power_w = coalesce(excluded.power_w, l.power_w),
      energy_wh = coalesce(excluded.energy_wh, l.energy_wh), tokens_per_s = coalesce(excluded.tokens_per_s, l.tokens_per_s),
      p95_latency_ms = coalesce(excluded.p95_latency_ms, l.p95_latency_ms), queue_depth = coalesce(excluded.queue_depth, l.queue_depth),
      error_rate = coalesce(excluded.error_rate, l.error_rate)
      -- A late batch (older than what we have) adds its samples but does not roll the "latest" back.
      WHERE excluded.seen_at >= l.seen_at;

    UPDATE mc.node_keys SET last_used_at = v_now, last_used_source = v_source, use_count = use_count + 1 WHERE id = k.id;
    RETURN jsonb_build_object('status', 'accepted', 'accepted', v_n);
  END
  $$;
ALTER FUNCTION mc.ingest_batch(text, uuid, timestamptz[], text[], double precision[], text) OWNER TO mc_definer;
REVOKE ALL ON FUNCTION mc.ingest_batch(text, uuid, timestamptz[], text[], double precision[], text) FROM PUBLIC;

-- The org the batch selects for its own writes is put back when it returns, so a caller's
-- transaction never carries it on. (A function-level SET clause would do this, but a custom
-- setting there needs superuser, which a Supabase project's owner is not.)
CREATE FUNCTION mc.ingest_telemetry(
  p_node_key text,
  p_batch_id uuid,
  p_ts timestamptz[],
  p_metric text[],
  p_value double precision[],
  p_agent text DEFAULT NULL
) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_caller_org text := coalesce(current_setting('mc.org_id', true), '');
    v_answer jsonb;
  BEGIN
    v_answer := mc.ingest_batch(p_node_key, p_batch_id, p_ts, p_metric, p_value, p_agent);
    PERFORM set_config('mc.org_id', v_caller_org, true);
    RETURN v_answer;
  END
  $$;
ALTER FUNCTION mc.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text) OWNER TO mc_definer;
REVOKE ALL ON FUNCTION mc.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text) TO mc_ingest;
GRANT EXECUTE ON FUNCTION mc.ingest_reject(uuid, uuid, text, text, text) TO mc_definer;
GRANT EXECUTE ON FUNCTION mc.telemetry_ensure_days(date, date) TO mc_definer;

-- PostgREST (Supabase) exposes schema public: POST /rest/v1/rpc/ingest_telemetry reaches this.
-- It runs as mc_ingest (SECURITY DEFINER), so granting EXECUTE on it to anon is all a Supabase
-- project needs (docs/formats.md): anon gets no schema, table or other function.
CREATE FUNCTION public.ingest_telemetry(
  p_node_key text,
  p_batch_id uuid,
  p_ts timestamptz[],
  p_metric text[],
  p_value double precision[],
  p_agent text DEFAULT NULL
) RETURNS jsonb
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT mc.ingest_telemetry(p_node_key, p_batch_id, p_ts, p_metric, p_value, p_agent) $$;
-- Ownership needs CREATE on the schema at the moment of the change only.
GRANT CREATE ON SCHEMA public TO mc_ingest;
ALTER FUNCTION public.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text) OWNER TO mc_ingest;
REVOKE CREATE ON SCHEMA public FROM mc_ingest;
REVOKE ALL ON FUNCTION public.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text) TO mc_ingest;

-- The first days' partitions exist from the start; the app's maintenance keeps them ahead.
SELECT mc.telemetry_ensure_days((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 7);
