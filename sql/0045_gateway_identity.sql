SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 13: the customer gateway's database identity and its writes.
--
-- The gateway (`npm run gateway`) logs in as a member of mc_gateway, as node agents and the
-- telemetry door log in as members of mc_ingest. It may: check customer keys; read what routing
-- needs (corridors, sites, nodes, runtimes, models, customers and their SLA terms) for ONE org at
-- a time, the org the key check named, which it puts in `mc.org_id` for its transaction
-- (mc.current_org_id() reads that setting for every role that is neither mc_app nor a member
-- login; RLS stays enabled and forced on every table, so without the setting it reads nothing);
-- store its routing decisions (source 'gateway' only); keep idempotency records; and record
-- metering only through mc.gateway_record below.
DO $$
BEGIN
  BEGIN
    CREATE ROLE mc_gateway NOLOGIN NOINHERIT NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END
$$;
GRANT mc_gateway TO CURRENT_USER;
GRANT USAGE ON SCHEMA mc TO mc_gateway;
GRANT EXECUTE ON FUNCTION mc.current_org_id(), mc.current_operator_id(), mc.current_app_role(), mc.can_write(), mc.is_admin(), mc.login_org_id() TO mc_gateway;
GRANT EXECUTE ON FUNCTION mc.customer_key_check(bytea, text) TO mc_gateway;

-- What the routing snapshot and the customer's terms read (src-main/services/routing/snapshot.ts).
-- Every one of these tables has a read policy `org_id = mc.current_org_id()` for all roles.
GRANT SELECT ON mc.corridors, mc.sites, mc.nodes, mc.node_latest, mc.runtimes, mc.runtime_models, mc.model_catalog,
  mc.node_reservations, mc.customers, mc.customer_tiers, mc.sla_policies TO mc_gateway;
-- current_org_id()'s member-login branch names these tables; the branch never runs for a gateway
-- login, but the planner checks the privilege. Their own policies (login_org_id / current_org_id)
-- keep a gateway inside the org it selected; it never writes them.
GRANT SELECT ON mc.member_logins, mc.memberships TO mc_gateway;

-- Routing decisions: the gateway's own go into its metering spool with the request they routed
-- and are written by mc.gateway_record below (source 'gateway' only), so a decision costs the
-- request no database write and survives a crash like the metering does.
CREATE POLICY routing_decisions_definer_gateway ON mc.routing_decisions FOR INSERT TO mc_definer WITH CHECK (source = 'gateway' AND replay IS NULL AND created_by IS NULL);
CREATE POLICY routing_decisions_definer_read ON mc.routing_decisions FOR SELECT TO mc_definer USING (true);
GRANT SELECT, INSERT ON mc.routing_decisions TO mc_definer;
GRANT EXECUTE ON FUNCTION mc.routing_decisions_ensure_days(date, date) TO mc_definer;

-- Idempotency-Key (non-streaming requests): the same key from the same customer with the same body
-- within 24 hours answers the stored response without serving again; another body is a conflict.
-- In Postgres (not the gateway's memory) so that several gateway instances behind one load
-- balancer agree. A row is claimed (status NULL) before serving and completed after; an expired
-- row is replaced. The stored answer is the customer's data: members see that a key was used and
-- its outcome, never the body (the column grant leaves it out).
CREATE TABLE mc.idempotency_keys (
  org_id        uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  customer_id   uuid NOT NULL,
  idem_key      text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
  body_sha256   bytea NOT NULL CHECK (length(body_sha256) = 32),
  request_id    text NOT NULL CHECK (request_id ~ '^[0-9A-Za-z_-]{8,64}$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- NULL while the first request is in flight.
  status        integer CHECK (status BETWEEN 100 AND 599),
  response      text CHECK (length(response) <= 4194304),
  completed_at  timestamptz,
  PRIMARY KEY (org_id, customer_id, idem_key),
  FOREIGN KEY (org_id, customer_id) REFERENCES mc.customers (org_id, id) ON DELETE CASCADE,
  CHECK ((status IS NULL) = (completed_at IS NULL))
);
CREATE INDEX idempotency_keys_age_idx ON mc.idempotency_keys (created_at);
ALTER TABLE mc.idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY idempotency_keys_read ON mc.idempotency_keys FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY idempotency_keys_gateway ON mc.idempotency_keys TO mc_gateway
  USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id());
GRANT SELECT (org_id, customer_id, idem_key, request_id, created_at, status, completed_at) ON mc.idempotency_keys TO mc_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON mc.idempotency_keys TO mc_gateway;

-- Metering: a batch of what the gateway's spool holds, one element per finished request:
--   {"request": {api_requests columns}, "usage": {usage_events columns} | null,
--    "decision": {routing_decisions columns} | null}
-- Every field is checked here (and again by the tables' constraints). A duplicate (same org and
-- request id, a spool drained twice after a crash) is skipped. An element that fails a check is
-- not written and comes back in "rejected" with its index and why, so one bad line cannot block a
-- spool forever; the rest of the batch is written.
CREATE FUNCTION mc.gateway_record(p_batch jsonb, p_instance text)
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
GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.gateway_record(jsonb, text) OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.gateway_record(jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.gateway_record(jsonb, text) TO mc_gateway;

-- Idempotency records past their 24-hour window: stored answers are a customer's data and a key
-- never sent again would otherwise stay for good. The app's hourly upkeep calls this for every org
-- (the retention matrix shows when); a claim still without a status after the window is dropped
-- with the rest.
CREATE POLICY idempotency_keys_definer ON mc.idempotency_keys FOR SELECT TO mc_definer USING (true);
CREATE POLICY idempotency_keys_definer_purge ON mc.idempotency_keys FOR DELETE TO mc_definer USING (true);
GRANT SELECT, DELETE ON mc.idempotency_keys TO mc_definer;
CREATE FUNCTION mc.idempotency_upkeep() RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    n integer;
  BEGIN
    DELETE FROM mc.idempotency_keys WHERE created_at < now() - interval '24 hours';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
  END
  $$;
GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.idempotency_upkeep() OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.idempotency_upkeep() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.idempotency_upkeep() TO mc_app;
