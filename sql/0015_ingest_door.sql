SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Two fixes to the telemetry door (issue 9, items 19 and 20).

-- 1. Supabase grants EXECUTE on every new function in schema public to anon, authenticated and
--    service_role (its default privileges), so public.ingest_telemetry was callable by all three
--    the moment 0006 created it. Whether node agents may call it through PostgREST is the
--    operator's choice (docs/formats.md): take those grants back here; the documented GRANT stays
--    the opt-in. Plain PostgreSQL has none of these roles, and nothing happens there.
--    An operator who had already opted in before this migration re-runs that GRANT once.
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('REVOKE ALL ON FUNCTION public.ingest_telemetry(text, uuid, timestamptz[], text[], double precision[], text) FROM %I', r);
    END IF;
  END LOOP;
END
$$;

-- 2. The caller's address behind a proxy is the last X-Forwarded-For entry (the one the proxy
--    appended), not the first (which the caller can write). Same function as 0006 otherwise.
CREATE OR REPLACE FUNCTION mc.ingest_batch(
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
    -- that header themselves, so for them it is the connection's own address. Of the forwarded
    -- list, only the LAST entry is the one the trusted proxy added (it appends the address it saw);
    -- every entry before it was sent by the caller and may be forged. What the agent says about
    -- itself is kept, marked as its claim.
    v_source := coalesce(
      CASE WHEN session_user = 'authenticator' AND v_headers IS NOT NULL AND v_headers <> ''
           THEN nullif(trim(regexp_replace(coalesce(v_headers::json ->> 'x-forwarded-for', ''), '^.*,', '')), '') END,
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
