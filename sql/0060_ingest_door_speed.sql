SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 17, the door's throughput (profiled in docs/scaling.md):
--
-- 1. mc.ingest_write found each node's newest applied batch with a subquery over all the applied
--    batches of the group, once per node: with 1,000 nodes in a 3,500-batch group that was about a
--    tenth of the write. It is grouped once now; the rows written are the same.
-- 2. mc.ingest_claim first looks for batches that failed before (attempts > 0). The only index was
--    (next_attempt_at, seq), so with nothing to retry that look walked every due batch in the
--    queue, on every claim: the deeper the queue, the slower the drain that should empty it. A
--    partial index on the batches that failed makes it one index probe; such batches are few.
-- 3. One worker drained the whole queue, one statement at a time: the write used one core however
--    many the database has, and on the bench it fell behind the door (acknowledged 15k samples/s,
--    written 8.5k). mc.ingest_claim(limit, part, parts) lets several workers drain in parallel, each
--    taking only the batches of its share of the nodes (by the node id's last byte). Everything a
--    write touches besides the telemetry rows is keyed by node (batch records, rollups, latest
--    figures), so workers on different shares never wait on each other's row locks, and one node's
--    batches are still written in the order they were queued, by one worker.

-- Migrations run in one transaction (no CONCURRENTLY); the queue is drained to near empty in
-- normal running, so the build is short.
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX ingest_queue_retry_idx ON mc.ingest_queue (next_attempt_at, seq) WHERE attempts > 0;

CREATE FUNCTION mc.ingest_claim(p_limit integer, p_part integer, p_parts integer) RETURNS bigint[]
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_seqs bigint[];
    -- As mc.ingest_claim(integer) since 0058: a data-plane login claims only its bound orgs' batches.
    v_checked boolean := mc.data_plane_login();
    v_orgs uuid[] := ARRAY(SELECT b.org_id FROM mc.login_orgs b WHERE b.role_name = session_user::text);
  BEGIN
    IF p_parts IS NULL OR p_parts < 1 OR p_parts > 64 OR p_part IS NULL OR p_part < 0 OR p_part >= p_parts THEN
      RAISE EXCEPTION 'ingest_claim: part % of % is not a share of the queue (parts 1..64, part 0..parts-1)', p_part, p_parts
        USING ERRCODE = '22023';
    END IF;
    -- As mc.ingest_claim(integer): batches that failed before first, one at a time.
    SELECT array_agg(q.seq ORDER BY q.seq) INTO v_seqs FROM (
      SELECT seq FROM mc.ingest_queue
       WHERE next_attempt_at <= now() AND attempts > 0 AND get_byte(uuid_send(node_id), 15) % p_parts = p_part
         AND (NOT v_checked OR org_id = ANY (v_orgs))
       ORDER BY next_attempt_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED) q;
    IF v_seqs IS NOT NULL THEN RETURN v_seqs; END IF;
    SELECT array_agg(q.seq ORDER BY q.seq) INTO v_seqs FROM (
      SELECT seq FROM mc.ingest_queue
       WHERE next_attempt_at <= now() AND attempts = 0 AND get_byte(uuid_send(node_id), 15) % p_parts = p_part
         AND (NOT v_checked OR org_id = ANY (v_orgs))
       ORDER BY next_attempt_at, seq LIMIT greatest(1, least(p_limit, 5000)) FOR UPDATE SKIP LOCKED) q;
    RETURN coalesce(v_seqs, '{}');
  END
  $$;

CREATE OR REPLACE FUNCTION mc.ingest_write(p_seqs bigint[]) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_caller_org text := coalesce(current_setting('mc.org_id', true), '');
    v_org uuid;
    v_from date;
    v_to date;
    v_written integer := 0;
  BEGIN
    SELECT (min(t) AT TIME ZONE 'UTC')::date, (max(t) AT TIME ZONE 'UTC')::date INTO v_from, v_to
      FROM mc.ingest_queue q, unnest(q.ts) t WHERE q.seq = ANY (p_seqs);
    IF v_from IS NOT NULL THEN PERFORM mc.telemetry_ensure_days(v_from, v_to); END IF;
    FOR v_org IN SELECT DISTINCT q.org_id FROM mc.ingest_queue q WHERE q.seq = ANY (p_seqs) LOOP
      -- As since 0058: a data-plane login writes only its bound orgs' batches (42501 otherwise).
      PERFORM mc.login_org_check(v_org);
      PERFORM set_config('mc.org_id', v_org::text, true);
      WITH q AS MATERIALIZED (
        SELECT * FROM mc.ingest_queue WHERE seq = ANY (p_seqs) AND org_id = v_org
      ), fresh AS (
        INSERT INTO mc.ingest_batches (org_id, node_id, batch_id, key_id, samples, received_at)
        SELECT q.org_id, q.node_id, q.batch_id, q.key_id, cardinality(q.ts), q.received_at FROM q ORDER BY q.seq
        ON CONFLICT (node_id, batch_id) DO NOTHING
        RETURNING mc.ingest_batches.node_id, mc.ingest_batches.batch_id
      ), s AS MATERIALIZED (
        SELECT q.seq, q.node_id, u.ts, u.metric, u.value, u.ord
          FROM q JOIN fresh f ON f.node_id = q.node_id AND f.batch_id = q.batch_id,
               unnest(q.ts, q.metric, q.value) WITH ORDINALITY AS u(ts, metric, value, ord)
      ), raw AS (
        INSERT INTO mc.telemetry (org_id, node_id, ts, metric, value)
        SELECT v_org, s.node_id, s.ts, s.metric, s.value FROM s
      ), g AS (
        -- As in mc.ingest_batch: the probe (metric 100) is kept raw, never rolled up. Across
        -- batches of one minute the latest sample wins, a later batch winning a tie.
        SELECT s.node_id, s.metric, date_trunc('minute', s.ts) AS minute, count(*)::int AS n, sum(s.value) AS sum, min(s.value) AS min, max(s.value) AS max,
               (array_agg(s.value ORDER BY s.ts DESC, s.seq DESC, s.ord DESC))[1] AS last, max(s.ts) AS last_ts
          FROM s WHERE s.metric < 100 GROUP BY s.node_id, s.metric, date_trunc('minute', s.ts)
      ), roll AS (
        INSERT INTO mc.telemetry_rollups_1m AS r (org_id, node_id, metric, minute, n, sum, min, max, last, last_ts)
        SELECT v_org, g.node_id, g.metric, g.minute, g.n, g.sum, g.min, g.max, g.last, g.last_ts FROM g
        ON CONFLICT (node_id, metric, minute) DO UPDATE SET
          n = r.n + excluded.n, sum = r.sum + excluded.sum, min = least(r.min, excluded.min), max = greatest(r.max, excluded.max),
          last = CASE WHEN excluded.last_ts >= r.last_ts THEN excluded.last ELSE r.last END,
          last_ts = greatest(r.last_ts, excluded.last_ts)
      ), per_batch AS (
        -- Each batch's newest value per metric, and its "seen at" (its newest non-probe sample).
        SELECT DISTINCT ON (s.seq, s.metric) s.seq, s.node_id, s.metric, s.value, s.ts
          FROM s WHERE s.metric < 100 ORDER BY s.seq, s.metric, s.ts DESC, s.ord DESC
      ), batch_seen AS (
        SELECT pb.seq, pb.node_id, max(pb.ts) AS seen FROM per_batch pb GROUP BY pb.seq, pb.node_id
      ), applied AS (
        -- Batch by batch, mc.ingest_batch lets a batch set the latest figures only when it is not
        -- older than what is there; the running maximum of the earlier batches is that bar.
        SELECT b.seq, b.node_id, b.seen FROM (
          SELECT bs.*, max(bs.seen) OVER (PARTITION BY bs.node_id ORDER BY bs.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS bar
            FROM batch_seen bs) b
          LEFT JOIN mc.node_latest l ON l.node_id = b.node_id
         WHERE b.seen >= coalesce(greatest(b.bar, l.seen_at), '-infinity'::timestamptz)
      ), latest AS (
        SELECT DISTINCT ON (pb.node_id, pb.metric) pb.node_id, pb.metric, pb.value
          FROM per_batch pb JOIN applied a ON a.seq = pb.seq ORDER BY pb.node_id, pb.metric, pb.seq DESC
      ), seen AS (
        -- Each node's newest applied batch, grouped once (0035 looked it up per node with a
        -- subquery over every applied batch: quadratic in the group's size).
        SELECT a.node_id, max(a.seen) AS seen FROM applied a GROUP BY a.node_id
      )
      INSERT INTO mc.node_latest AS l (node_id, org_id, seen_at, gpu_util_pct, gpu_mem_used_mb, gpu_temp_c, power_w, energy_wh,
                                       tokens_per_s, p95_latency_ms, queue_depth, error_rate)
      SELECT lt.node_id, v_org, sn.seen,
             max(value) FILTER (WHERE metric = 1), max(value) FILTER (WHERE metric = 2), max(value) FILTER (WHERE metric = 3),
             max(value) FILTER (WHERE metric = 4), max(value) FILTER (WHERE metric = 5), max(value) FILTER (WHERE metric = 6),
             max(value) FILTER (WHERE metric = 7), max(value) FILTER (WHERE metric = 8), max(value) FILTER (WHERE metric = 9)
        FROM latest lt JOIN seen sn ON sn.node_id = lt.node_id GROUP BY lt.node_id, sn.seen
      ON CONFLICT (node_id) DO UPDATE SET
        seen_at = excluded.seen_at,
        gpu_util_pct = coalesce(excluded.gpu_util_pct, l.gpu_util_pct), gpu_mem_used_mb = coalesce(excluded.gpu_mem_used_mb, l.gpu_mem_used_mb),
        gpu_temp_c = coalesce(excluded.gpu_temp_c, l.gpu_temp_c), power_w = coalesce(excluded.power_w, l.power_w),
        energy_wh = coalesce(excluded.energy_wh, l.energy_wh), tokens_per_s = coalesce(excluded.tokens_per_s, l.tokens_per_s),
        p95_latency_ms = coalesce(excluded.p95_latency_ms, l.p95_latency_ms), queue_depth = coalesce(excluded.queue_depth, l.queue_depth),
        error_rate = coalesce(excluded.error_rate, l.error_rate)
        WHERE excluded.seen_at >= l.seen_at;
    END LOOP;
    SELECT coalesce(sum(cardinality(q.ts)), 0)::integer INTO v_written FROM mc.ingest_queue q WHERE q.seq = ANY (p_seqs);
    DELETE FROM mc.ingest_queue WHERE seq = ANY (p_seqs);
    PERFORM set_config('mc.org_id', v_caller_org, true);
    RETURN v_written;
  END
  $$;

GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.ingest_claim(integer, integer, integer) OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.ingest_claim(integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.ingest_claim(integer, integer, integer) TO mc_ingest;
