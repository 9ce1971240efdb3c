SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- The telemetry HTTP door's durable queue and its dead letters (issue 17).
--
-- Why a plain table drained with SKIP LOCKED and not a queue library (pg-boss): the door must
-- acknowledge many agents' batches in ONE commit (group commit: one fsync for hundreds of
-- batches), the worker must take hundreds of batches in ONE statement (coalesced writes), and the
-- queue must sit under the same forced row-level security as every other tenant table. A job
-- library stores one job per row with its own schema and roles outside ours, and inserts and
-- completes jobs one by one. Two tables and four functions do what is needed, in the open.
--
-- The ingest function's rules are applied where the agent can still be told: at the door, in the
-- same transaction that queues the batch (key check, batch shape, every sample's validity,
-- idempotency, refusals recorded without the secret). The queue holds only batches that passed, with
-- the key's id, never the key. The worker then writes them as mc.ingest_batch would have, as of
-- the moment they were received.

-- Batches acknowledged but not yet written. Metrics are stored as their catalogue ids (validated).
CREATE TABLE mc.ingest_queue (
  seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id          uuid NOT NULL,
  node_id         uuid NOT NULL,
  key_id          uuid NOT NULL,
  batch_id        uuid NOT NULL,
  ts              timestamptz[] NOT NULL,
  metric          smallint[] NOT NULL,
  value           double precision[] NOT NULL,
  source          text NOT NULL CHECK (length(source) <= 200),
  received_at     timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text CHECK (length(last_error) <= 500),
  -- The idempotency key: a re-sent batch finds its twin here (or in mc.ingest_batches once written).
  UNIQUE (node_id, batch_id)
);
CREATE INDEX ingest_queue_due_idx ON mc.ingest_queue (next_attempt_at, seq);

-- Batches the worker gave up on after repeated failures, with the last reason.
CREATE TABLE mc.ingest_dead_letters (
  seq         bigint PRIMARY KEY,
  org_id      uuid NOT NULL,
  node_id     uuid NOT NULL,
  key_id      uuid NOT NULL,
  batch_id    uuid NOT NULL,
  ts          timestamptz[] NOT NULL,
  metric      smallint[] NOT NULL,
  value       double precision[] NOT NULL,
  source      text NOT NULL CHECK (length(source) <= 200),
  received_at timestamptz NOT NULL,
  attempts    integer NOT NULL,
  failed_at   timestamptz NOT NULL DEFAULT now(),
  reason      text NOT NULL CHECK (length(reason) <= 500)
);
CREATE INDEX ingest_dead_letters_org_idx ON mc.ingest_dead_letters (org_id, failed_at DESC);

ALTER TABLE mc.ingest_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.ingest_queue FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.ingest_dead_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.ingest_dead_letters FORCE ROW LEVEL SECURITY;
-- Operators see their own org's queue and dead letters (for the DLQ view to come); only the
-- functions below (mc_definer) write, across orgs, since one commit carries many orgs' batches.
CREATE POLICY ingest_queue_read ON mc.ingest_queue FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY ingest_queue_definer ON mc.ingest_queue TO mc_definer USING (true) WITH CHECK (true);
CREATE POLICY ingest_dead_letters_read ON mc.ingest_dead_letters FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY ingest_dead_letters_definer ON mc.ingest_dead_letters TO mc_definer USING (true) WITH CHECK (true);
GRANT SELECT ON mc.ingest_queue, mc.ingest_dead_letters TO mc_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON mc.ingest_queue TO mc_definer;
GRANT SELECT, INSERT ON mc.ingest_dead_letters TO mc_definer;
-- The door answers "duplicate" for a batch already written, whatever org it belongs to.
CREATE POLICY ingest_batches_definer_read ON mc.ingest_batches FOR SELECT TO mc_definer USING (true);

-- Queue many agents' batches in one transaction. Items are parallel arrays (one entry per
-- request); samples are flattened, p_item naming the item (1-based) each sample belongs to.
-- p_key_hash is sha256 of the presented key (NULL: not a node key at all); the door hashes it,
-- so the secret never reaches the database on this path. p_project, where given (the seed's
-- shape), must be the key's org.
-- Answers one row per item: status accepted | duplicate | rejected, with the same codes and
-- messages as mc.ingest_batch.
CREATE FUNCTION mc.ingest_enqueue(
  p_key_hash bytea[],
  p_batch_id uuid[],
  p_source text[],
  p_project uuid[],
  p_item integer[],
  p_ts timestamptz[],
  p_metric text[],
  p_value double precision[]
) RETURNS TABLE (item integer, status text, code text, message text, accepted integer, errors jsonb, org_id uuid)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  #variable_conflict use_column
  DECLARE
    v_now timestamptz := clock_timestamp();
    v_keep integer := mc.setting_int('telemetry_retention_days');
  BEGIN
    RETURN QUERY
    WITH it AS MATERIALIZED (
      SELECT u.i::integer AS i, u.key_hash, u.batch_id, left(coalesce(u.source, 'unknown'), 200) AS source, u.project,
             nk.id AS key_id, nk.org_id, nk.node_id, nk.expires_at, nk.revoked_at, nk.superseded_by, nk.grace_until, n.lifecycle
        FROM unnest(p_key_hash, p_batch_id, p_source, p_project) WITH ORDINALITY AS u(key_hash, batch_id, source, project, i)
        LEFT JOIN mc.node_keys nk ON nk.key_hash = u.key_hash
        LEFT JOIN mc.nodes n ON n.org_id = nk.org_id AND n.id = nk.node_id
    ), s AS MATERIALIZED (
      SELECT x.item, x.ord, x.ts, x.value, m.id AS metric_id,
             mc.sample_problem(x.ts, x.metric, m.id IS NOT NULL, m.min, m.max, x.value, v_now, v_keep) AS problem
        FROM unnest(p_item, p_ts, p_metric, p_value) WITH ORDINALITY AS x(item, ts, metric, value, ord)
        LEFT JOIN mc.telemetry_metrics m ON m.name = x.metric
    ), numbered AS (
      SELECT s.*, (row_number() OVER (PARTITION BY s.item ORDER BY s.ord) - 1)::integer AS idx FROM s
    ), agg AS (
      SELECT nb.item, count(*)::integer AS n, count(*) FILTER (WHERE nb.problem IS NOT NULL)::integer AS bad,
             (jsonb_agg(jsonb_build_object('index', nb.idx, 'reason', nb.problem) ORDER BY nb.ord)
                FILTER (WHERE nb.problem IS NOT NULL)) AS all_errors,
             array_agg(nb.ts ORDER BY nb.ord) AS ts, array_agg(nb.metric_id ORDER BY nb.ord) AS metric, array_agg(nb.value ORDER BY nb.ord) AS value
        FROM numbered nb GROUP BY nb.item
    ), v AS MATERIALIZED (
      SELECT it.*, coalesce(a.n, 0) AS n, a.ts, a.metric, a.value,
             CASE WHEN a.bad > 0 THEN (SELECT jsonb_agg(e) FROM (SELECT e FROM jsonb_array_elements(a.all_errors) e LIMIT 20) f) END AS errs,
             CASE
               WHEN it.key_hash IS NULL THEN 'key_malformed'
               WHEN it.key_id IS NULL THEN 'key_invalid'
               WHEN it.revoked_at IS NOT NULL AND it.revoked_at <= v_now THEN 'key_revoked'
               WHEN it.superseded_by IS NOT NULL AND it.grace_until <= v_now THEN 'key_rotated_out'
               WHEN it.expires_at IS NOT NULL AND it.expires_at <= v_now THEN 'key_expired'
               WHEN it.lifecycle = 'retired' THEN 'node_retired'
               WHEN it.batch_id IS NULL OR coalesce(a.n, 0) = 0 OR (it.project IS NOT NULL AND it.project <> it.org_id) THEN 'batch_invalid'
               WHEN a.n > 10000 THEN 'batch_too_large'
               WHEN a.bad > 0 THEN 'sample_invalid'
             END AS code,
             a.bad
        FROM it LEFT JOIN agg a ON a.item = it.i
    ), stored AS (
      SELECT v.i, b.samples FROM v JOIN mc.ingest_batches b ON b.node_id = v.node_id AND b.batch_id = v.batch_id WHERE v.code IS NULL
    ), fresh AS (
      -- One candidate per (node, batch): a batch sent twice within one commit counts once.
      SELECT DISTINCT ON (v.node_id, v.batch_id) v.* FROM v
       WHERE v.code IS NULL AND NOT EXISTS (SELECT 1 FROM stored WHERE stored.i = v.i)
       ORDER BY v.node_id, v.batch_id, v.i
    ), ins AS (
      INSERT INTO mc.ingest_queue (org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at)
      SELECT f.org_id, f.node_id, f.key_id, f.batch_id, f.ts, f.metric, f.value, f.source, v_now FROM fresh f ORDER BY f.i
      ON CONFLICT (node_id, batch_id) DO NOTHING
      RETURNING mc.ingest_queue.node_id, mc.ingest_queue.batch_id, mc.ingest_queue.key_id, mc.ingest_queue.source
    ), used AS (
      UPDATE mc.node_keys nk SET last_used_at = v_now, last_used_source = u.source, use_count = nk.use_count + u.n
        FROM (SELECT ins.key_id, max(ins.source) AS source, count(*)::integer AS n FROM ins GROUP BY ins.key_id) u
       WHERE nk.id = u.key_id
      RETURNING nk.id
    ), acc AS (
      -- Which items were queued now (hash joins throughout: a group holds a thousand items).
      SELECT f.i FROM fresh f JOIN ins ON ins.node_id = f.node_id AND ins.batch_id = f.batch_id
    ), rej AS (
      SELECT v.i, mc.ingest_reject(v.org_id, v.key_id, v.code, v.source,
               CASE v.code
                 WHEN 'batch_invalid' THEN CASE WHEN v.project IS NOT NULL AND v.project <> v.org_id THEN 'project_id is not the key''s org'
                                                ELSE 'batch id missing, empty batch, or arrays of different lengths' END
                 WHEN 'batch_too_large' THEN v.n || ' samples'
                 WHEN 'sample_invalid' THEN v.errs -> 0 ->> 'reason'
               END) AS done
        FROM v WHERE v.code IS NOT NULL
    )
    SELECT v.i,
           CASE WHEN v.code IS NOT NULL THEN 'rejected' WHEN acc.i IS NOT NULL THEN 'accepted' ELSE 'duplicate' END,
           v.code,
           CASE v.code
             WHEN 'key_malformed' THEN 'The node key is not a Mission Control node key (ume_node_…).'
             WHEN 'key_invalid' THEN 'The node key is not known.'
             WHEN 'key_revoked' THEN 'The node key was revoked.'
             WHEN 'key_rotated_out' THEN 'The node key was rotated and its grace period is over; use the new key.'
             WHEN 'key_expired' THEN 'The node key has expired.'
             WHEN 'node_retired' THEN 'The node is retired; it may not send telemetry.'
             WHEN 'batch_invalid' THEN CASE WHEN v.project IS NOT NULL AND v.project <> v.org_id
                                             THEN 'project_id must be the id of the org the node key belongs to.'
                                             ELSE 'A batch needs a batch id and equally long, non-empty arrays of timestamps, metrics and values.' END
             WHEN 'batch_too_large' THEN format('A batch may hold at most 10000 samples; this one has %s.', v.n)
             WHEN 'sample_invalid' THEN format('%s sample(s) are invalid; nothing from this batch was stored.', v.bad)
             ELSE NULL
           END,
           CASE WHEN v.code IS NULL THEN coalesce(st.samples, v.n) END,
           v.errs,
           v.org_id
      FROM v
      LEFT JOIN acc ON acc.i = v.i
      LEFT JOIN stored st ON st.i = v.i
      LEFT JOIN rej ON rej.i = v.i
     -- Referencing the data-modifying parts makes sure they ran before this answers.
     WHERE (SELECT count(*) FROM used) >= 0
     ORDER BY v.i;
  END
  $$;
GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.ingest_enqueue(bytea[], uuid[], text[], uuid[], integer[], timestamptz[], text[], double precision[]) OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.ingest_enqueue(bytea[], uuid[], text[], uuid[], integer[], timestamptz[], text[], double precision[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.ingest_enqueue(bytea[], uuid[], text[], uuid[], integer[], timestamptz[], text[], double precision[]) TO mc_ingest;

-- Take up to p_limit due batches for this transaction (rows stay locked until it ends; other
-- workers skip them). Batches that failed before are taken one at a time, so one bad batch
-- cannot hold back the others written with it.
CREATE FUNCTION mc.ingest_claim(p_limit integer) RETURNS bigint[]
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_seqs bigint[];
  BEGIN
    SELECT array_agg(q.seq ORDER BY q.seq) INTO v_seqs FROM (
      SELECT seq FROM mc.ingest_queue WHERE next_attempt_at <= now() AND attempts > 0
       ORDER BY next_attempt_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED) q;
    IF v_seqs IS NOT NULL THEN RETURN v_seqs; END IF;
    SELECT array_agg(q.seq ORDER BY q.seq) INTO v_seqs FROM (
      SELECT seq FROM mc.ingest_queue WHERE next_attempt_at <= now() AND attempts = 0
       ORDER BY next_attempt_at, seq LIMIT greatest(1, least(p_limit, 5000)) FOR UPDATE SKIP LOCKED) q;
    RETURN coalesce(v_seqs, '{}');
  END
  $$;

-- Write claimed batches as mc.ingest_batch would have, one statement per org for all of them:
-- batch records (idempotency), raw samples, minute rollups, the nodes' latest figures. Removes
-- them from the queue. Returns how many samples the claimed batches held (a batch already
-- written before, by another path, is not written again).
CREATE FUNCTION mc.ingest_write(p_seqs bigint[]) RETURNS integer
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
      )
      INSERT INTO mc.node_latest AS l (node_id, org_id, seen_at, gpu_util_pct, gpu_mem_used_mb, gpu_temp_c, power_w, energy_wh,
                                       tokens_per_s, p95_latency_ms, queue_depth, error_rate)
      SELECT lt.node_id, v_org, (SELECT max(a.seen) FROM applied a WHERE a.node_id = lt.node_id),
             max(value) FILTER (WHERE metric = 1), max(value) FILTER (WHERE metric = 2), max(value) FILTER (WHERE metric = 3),
             max(value) FILTER (WHERE metric = 4), max(value) FILTER (WHERE metric = 5), max(value) FILTER (WHERE metric = 6),
             max(value) FILTER (WHERE metric = 7), max(value) FILTER (WHERE metric = 8), max(value) FILTER (WHERE metric = 9)
        FROM latest lt GROUP BY lt.node_id
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

-- A write failed: count the attempt, wait longer each time (p_base_ms × 2^(attempts−1), at most
-- ten minutes), and after p_max_attempts move the batch to the dead letters with the reason.
-- Returns how many went to the dead letters.
CREATE FUNCTION mc.ingest_failed(p_seqs bigint[], p_reason text, p_max_attempts integer, p_base_ms integer) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_dead integer;
  BEGIN
    UPDATE mc.ingest_queue SET attempts = attempts + 1, last_error = left(p_reason, 500),
           next_attempt_at = now() + least(interval '10 minutes', make_interval(secs => greatest(p_base_ms, 1) / 1000.0 * power(2, attempts)))
     WHERE seq = ANY (p_seqs);
    WITH dead AS (
      DELETE FROM mc.ingest_queue WHERE seq = ANY (p_seqs) AND attempts >= p_max_attempts RETURNING *
    )
    INSERT INTO mc.ingest_dead_letters (seq, org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at, attempts, reason)
    SELECT seq, org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at, attempts, coalesce(last_error, 'unknown')
      FROM dead;
    GET DIAGNOSTICS v_dead = ROW_COUNT;
    RETURN v_dead;
  END
  $$;

-- What the door needs for back-pressure: how many batches wait, and since when.
CREATE FUNCTION mc.ingest_queue_depth() RETURNS TABLE (batches bigint, oldest timestamptz, dead_letters bigint)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT (SELECT count(*) FROM mc.ingest_queue), (SELECT min(received_at) FROM mc.ingest_queue), (SELECT count(*) FROM mc.ingest_dead_letters)
  $$;

GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.ingest_claim(integer) OWNER TO mc_definer;
ALTER FUNCTION mc.ingest_write(bigint[]) OWNER TO mc_definer;
ALTER FUNCTION mc.ingest_failed(bigint[], text, integer, integer) OWNER TO mc_definer;
ALTER FUNCTION mc.ingest_queue_depth() OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.ingest_claim(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION mc.ingest_write(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION mc.ingest_failed(bigint[], text, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION mc.ingest_queue_depth() FROM PUBLIC;
-- The door's process logs in as a member of mc_ingest, like a node agent: it may queue, drain
-- and count, and nothing else.
GRANT EXECUTE ON FUNCTION mc.ingest_claim(integer) TO mc_ingest;
GRANT EXECUTE ON FUNCTION mc.ingest_write(bigint[]) TO mc_ingest;
GRANT EXECUTE ON FUNCTION mc.ingest_failed(bigint[], text, integer, integer) TO mc_ingest;
GRANT EXECUTE ON FUNCTION mc.ingest_queue_depth() TO mc_ingest;
