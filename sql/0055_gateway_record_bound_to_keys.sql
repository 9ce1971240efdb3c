SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 13 follow-up: mc.gateway_record trusted its caller for the org and customer of every
-- record, so any gateway login could file traffic (and bills) under any org. A record is now
-- accepted only under a key the database itself accepted for that customer (the key check sets
-- last_used_at) and that was working when the request started. This narrows what a gateway login
-- can file to customers whose keys are in use; it does not prove this login saw the key (a
-- gateway login is still a trusted server process, docs/security.md). The rest of the function is
-- unchanged from 0045.
CREATE OR REPLACE FUNCTION mc.gateway_record(p_batch jsonb, p_instance text)
  RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_el jsonb;
    v_i integer := -1;
    q jsonb;
    d jsonb;
    u jsonb;
    v_org uuid;
    v_customer uuid;
    v_inserted integer := 0;
    v_usage integer := 0;
    v_duplicates integer := 0;
    v_rejected jsonb := '[]';
    v_n integer;
    v_req_new integer;
    v_usage_new integer;
  BEGIN
    IF p_batch IS NULL OR jsonb_typeof(p_batch) <> 'array' THEN
      RAISE EXCEPTION 'gateway_record takes a JSON array' USING ERRCODE = '22023';
    END IF;
    IF jsonb_array_length(p_batch) > 5000 THEN
      RAISE EXCEPTION 'at most 5000 records in one batch' USING ERRCODE = '22023';
    END IF;
    IF p_instance IS NULL OR length(p_instance) NOT BETWEEN 1 AND 120 THEN
      RAISE EXCEPTION 'gateway instance name must be 1 to 120 characters' USING ERRCODE = '22023';
    END IF;
    FOR v_el IN SELECT e FROM jsonb_array_elements(p_batch) AS e LOOP
      v_i := v_i + 1;
      BEGIN
        q := v_el -> 'request';
        u := v_el -> 'usage';
        IF q IS NULL OR jsonb_typeof(q) <> 'object' THEN RAISE EXCEPTION 'request: missing'; END IF;
        IF u IS NOT NULL AND jsonb_typeof(u) NOT IN ('object', 'null') THEN RAISE EXCEPTION 'usage: not an object'; END IF;
        IF jsonb_typeof(u) = 'null' THEN u := NULL; END IF;
        v_org := (q ->> 'org_id')::uuid;
        v_customer := (q ->> 'customer_id')::uuid;
        IF v_org IS NULL OR v_customer IS NULL THEN RAISE EXCEPTION 'request: org_id and customer_id are required'; END IF;
        IF coalesce(q ->> 'request_id', '') !~ '^[0-9A-Za-z_-]{8,64}$' THEN RAISE EXCEPTION 'request: request_id malformed'; END IF;
        IF coalesce(q ->> 'key_prefix', '') !~ '^ume_(live|test)_[0-9A-Za-z]{6}$' THEN RAISE EXCEPTION 'request: key_prefix malformed'; END IF;
        -- Bound to a key the database has accepted for this customer and that was working when the
        -- request started: a gateway login cannot file traffic under an org or customer it never
        -- saw a key of (customer_key_check sets last_used_at), nor under a key revoked, expired or
        -- rotated out before the request (a spool drained after an outage keeps what was served
        -- while the key still worked).
        IF NOT EXISTS (SELECT 1 FROM mc.customer_keys k
                        WHERE k.org_id = v_org AND k.customer_id = v_customer AND k.prefix = q ->> 'key_prefix' AND k.last_used_at IS NOT NULL
                          AND k.created_at <= (q ->> 'started_at')::timestamptz + interval '5 minutes'
                          AND (k.revoked_at IS NULL OR k.revoked_at > (q ->> 'started_at')::timestamptz)
                          AND (k.expires_at IS NULL OR k.expires_at > (q ->> 'started_at')::timestamptz)
                          AND (k.superseded_by IS NULL OR k.grace_until IS NULL OR k.grace_until > (q ->> 'started_at')::timestamptz)) THEN
          RAISE EXCEPTION 'request: no key of this customer with prefix % was accepted and working when it started', q ->> 'key_prefix';
        END IF;
        IF (q ->> 'finished_at')::timestamptz < (q ->> 'started_at')::timestamptz THEN RAISE EXCEPTION 'request: finished before it started'; END IF;
        IF (q ->> 'started_at')::timestamptz > now() + interval '5 minutes' THEN RAISE EXCEPTION 'request: started in the future'; END IF;
        IF u IS NOT NULL AND (u ->> 'request_id' IS DISTINCT FROM q ->> 'request_id') THEN RAISE EXCEPTION 'usage: request_id differs from the request'; END IF;
        d := v_el -> 'decision';
        IF d IS NOT NULL AND jsonb_typeof(d) = 'null' THEN d := NULL; END IF;
        IF d IS NOT NULL AND (jsonb_typeof(d) <> 'object' OR (d ->> 'id') IS DISTINCT FROM (q ->> 'decision_id')) THEN
          RAISE EXCEPTION 'decision: not the one the request names';
        END IF;
        -- A decision older than a day (a spool drained after a long outage) has no day partition
        -- to go to; the request and its usage are still written (they are what is billed), the
        -- decision is dropped and the request row names none rather than a missing one.
        IF d IS NOT NULL AND (d ->> 'decided_at')::timestamptz < now() - interval '1 day' THEN
          d := NULL;
          q := q || jsonb_build_object('decision_id', NULL);
        END IF;
        -- Written as mc_definer with the org selected: the definer policies let it in, and the
        -- foreign key refuses a customer of another org.
        PERFORM set_config('mc.org_id', v_org::text, true);
        INSERT INTO mc.api_requests (org_id, request_id, started_at, finished_at, customer_id, key_prefix, endpoint, model, stream, decision_id, corridor_id,
                                     node_id, runtime_id, status, outcome, latency_ms, first_byte_ms, prompt_tokens, completion_tokens, simulated, gateway_instance)
        VALUES (v_org, q ->> 'request_id', (q ->> 'started_at')::timestamptz, (q ->> 'finished_at')::timestamptz, v_customer, q ->> 'key_prefix',
                q ->> 'endpoint', q ->> 'model', coalesce((q ->> 'stream')::boolean, false), (q ->> 'decision_id')::uuid, (q ->> 'corridor_id')::uuid,
                (q ->> 'node_id')::uuid, (q ->> 'runtime_id')::uuid, (q ->> 'status')::integer, q ->> 'outcome', (q ->> 'latency_ms')::integer,
                (q ->> 'first_byte_ms')::integer, coalesce((q ->> 'prompt_tokens')::integer, 0), coalesce((q ->> 'completion_tokens')::integer, 0),
                coalesce((q ->> 'simulated')::boolean, false), p_instance)
        ON CONFLICT (org_id, request_id) DO NOTHING;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_req_new := v_n;
        IF d IS NOT NULL THEN
          PERFORM mc.routing_decisions_ensure_days(((d ->> 'decided_at')::timestamptz AT TIME ZONE 'UTC')::date, ((d ->> 'decided_at')::timestamptz AT TIME ZONE 'UTC')::date);
          INSERT INTO mc.routing_decisions (org_id, id, decided_at, source, customer_id, model, origin_country, workload_class, inputs_digest, corridor_id, region,
                                            selected_node_id, selected_runtime_id, fallback_node_id, policy_reason, explanation, rejected, considered, eligible)
          VALUES (v_org, (d ->> 'id')::uuid, (d ->> 'decided_at')::timestamptz, 'gateway', v_customer, d ->> 'model', d ->> 'origin_country', d ->> 'workload_class',
                  d ->> 'inputs_digest', (d ->> 'corridor_id')::uuid, d ->> 'region', (d ->> 'selected_node_id')::uuid, (d ->> 'selected_runtime_id')::uuid,
                  (d ->> 'fallback_node_id')::uuid, d ->> 'policy_reason', d ->> 'explanation', coalesce(d -> 'rejected', '{}'), (d ->> 'considered')::integer,
                  (d ->> 'eligible')::integer)
          ON CONFLICT DO NOTHING;
        END IF;
        v_usage_new := 0;
        IF u IS NOT NULL THEN
          INSERT INTO mc.usage_events (org_id, request_id, occurred_at, customer_id, model, corridor_id, node_id, runtime_id, prompt_tokens, completion_tokens, estimated, simulated)
          VALUES (v_org, u ->> 'request_id', (u ->> 'occurred_at')::timestamptz, v_customer, u ->> 'model', (u ->> 'corridor_id')::uuid, (u ->> 'node_id')::uuid,
                  (u ->> 'runtime_id')::uuid, (u ->> 'prompt_tokens')::integer, (u ->> 'completion_tokens')::integer, coalesce((u ->> 'estimated')::boolean, false),
                  coalesce((u ->> 'simulated')::boolean, false))
          ON CONFLICT (org_id, request_id) DO NOTHING;
          GET DIAGNOSTICS v_usage_new = ROW_COUNT;
        END IF;
        -- Counted only once the whole element is written (variables do not roll back with it).
        v_inserted := v_inserted + v_req_new;
        v_duplicates := v_duplicates + (1 - v_req_new);
        v_usage := v_usage + v_usage_new;
      EXCEPTION WHEN OTHERS THEN
        -- The subtransaction is rolled back: neither row of this element is kept.
        v_rejected := v_rejected || jsonb_build_object('index', v_i, 'reason', left(SQLERRM, 300));
      END;
    END LOOP;
    PERFORM set_config('mc.org_id', '', true);
    RETURN jsonb_build_object('inserted', v_inserted, 'usage', v_usage, 'duplicates', v_duplicates, 'rejected', v_rejected);
  END
  $$;
