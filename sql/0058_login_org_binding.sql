SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 16 follow-up: each data-plane login serves only the orgs it is bound to.
--
-- The logins the app and its operators make for processes that are not a signed-in member (the
-- advisory scan's mc_advisor_<instance>, a gateway's member of mc_gateway, the installation's node
-- agent login and the telemetry door's member of mc_ingest) named the org they acted for in
-- mc.org_id or in a function argument, and were trusted to name it honestly. A stolen scan
-- password could read another org's key dates and close its advisories; a stolen gateway password
-- could read another org's routing inputs and file traffic under it. Now the database decides, as
-- it does for member logins (mc.member_logins, sql/0017): mc.login_orgs maps a login to the orgs
-- it may act for, written only by the owner connection that makes the login and its grants, and
-- every path such a login can reach checks session_user (which SET ROLE cannot change; inside a
-- SECURITY DEFINER function current_user is the definer, session_user is still the login)
-- against it, refusing with SQLSTATE 42501 and a message naming the login and the org.
--
-- Who counts as a data-plane login (mc.data_plane_login): a role a member of mc_gateway,
-- mc_advisor or mc_ingest directly, that is not a superuser, has neither CREATEROLE nor
-- BYPASSRLS (the owner who runs these migrations is a member of all three and can do everything
-- anyway), and is not a member of mc_app (member logins and the app's authenticator: their
-- identity is mc.member_logins'). Supabase's PostgREST login `authenticator` is left out too: its
-- callers are anonymous and the node key they present is the whole credential there
-- (public.ingest_telemetry, docs/formats.md).

CREATE TABLE mc.login_orgs (
  role_name   text NOT NULL CHECK (length(role_name) BETWEEN 1 AND 63),
  org_id      uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('gateway', 'advisor', 'ingest')),
  granted_by  text NOT NULL DEFAULT session_user CHECK (length(granted_by) BETWEEN 1 AND 200),
  granted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (role_name, org_id)
);
CREATE INDEX login_orgs_org_idx ON mc.login_orgs (org_id);
ALTER TABLE mc.login_orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.login_orgs FORCE ROW LEVEL SECURITY;
-- Members see which logins serve their own org (read only). No policy here may call
-- mc.current_org_id() for a data-plane role: that function reads this table for them.
CREATE POLICY login_orgs_read ON mc.login_orgs FOR SELECT TO mc_app USING (org_id = mc.current_org_id());
-- The checks below read every row as mc_definer (for the session's own login only).
CREATE POLICY login_orgs_definer ON mc.login_orgs FOR SELECT TO mc_definer USING (true);
-- The migration user (it holds CREATEROLE and makes these logins) binds and unbinds them; the
-- logins themselves, the app role and members cannot write here (no grant).
CREATE POLICY login_orgs_owner ON mc.login_orgs TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON mc.login_orgs TO mc_app, mc_definer;

CREATE FUNCTION mc.data_plane_login() RETURNS boolean
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
    -- Membership through any chain of roles counts (pg_has_role MEMBER): a login given
    -- mc_gateway through a group role is checked like one given it directly.
    SELECT EXISTS (
      SELECT 1 FROM pg_roles r
       WHERE r.rolname = session_user AND r.rolname <> 'authenticator'
         AND NOT r.rolsuper AND NOT r.rolcreaterole AND NOT r.rolbypassrls
         AND (pg_has_role(r.oid, 'mc_gateway', 'MEMBER') OR pg_has_role(r.oid, 'mc_advisor', 'MEMBER') OR pg_has_role(r.oid, 'mc_ingest', 'MEMBER'))
         AND NOT pg_has_role(r.oid, 'mc_app', 'MEMBER'))
  $$;

-- p_org if this session may act for it (NULL stays NULL: no org, nothing readable); otherwise a
-- 42501 naming the login and the org. Never says which orgs the login does serve.
CREATE FUNCTION mc.login_org_check(p_org uuid) RETURNS uuid
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    IF p_org IS NULL OR NOT mc.data_plane_login() THEN
      RETURN p_org;
    END IF;
    IF EXISTS (SELECT 1 FROM mc.login_orgs b WHERE b.role_name = session_user::text AND b.org_id = p_org) THEN
      RETURN p_org;
    END IF;
    RAISE EXCEPTION 'database login % is not bound to org %', session_user, p_org
      USING ERRCODE = '42501',
            HINT = 'The database owner binds a data-plane login to the orgs it serves in mc.login_orgs (docs/security.md, "Data-plane logins and their orgs").';
  END
  $$;
GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.login_org_check(uuid) OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
-- Every policy calls mc.current_org_id(), whoever reads; it answers only for the caller's own login.
GRANT EXECUTE ON FUNCTION mc.login_org_check(uuid), mc.data_plane_login() TO PUBLIC;

-- How many orgs the caller's own login is bound to (never which): a gateway or telemetry door
-- says at start when its login serves none, instead of refusing every request without a word.
CREATE FUNCTION mc.login_bound_org_count() RETURNS integer
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT count(*)::integer FROM mc.login_orgs b WHERE b.role_name = session_user::text $$;
GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.login_bound_org_count() OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.login_bound_org_count() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.login_bound_org_count() TO mc_gateway, mc_ingest, mc_advisor;

-- Same shape as sql/0029 (plain STABLE SQL, no FROM at the top, so a policy evaluates it once per
-- statement), with two changes to the last branch:
--   * mc_definer (inside a SECURITY DEFINER function) keeps the bare setting: each such function
--     sets the org itself from what it checked (a key, a queue row, a checked argument), and
--     checking per row there would cost the ingest path a lookup per sample;
--   * every other role (a gateway or scan login reading tables directly) gets the setting only if
--     its login is bound to that org, and a 42501 otherwise. The check sits in a scalar subquery so
--     it runs once per statement, not per row.
CREATE OR REPLACE FUNCTION mc.current_org_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (
        SELECT l.org_id FROM mc.member_logins l JOIN mc.memberships m ON m.org_id = l.org_id AND m.operator_id = l.operator_id
         WHERE l.role_name = session_user::text AND m.suspended_at IS NULL)
      WHEN current_user::text = 'mc_app' THEN NULL::uuid
      WHEN current_user::text = 'mc_definer' THEN nullif(current_setting('mc.org_id', true), '')::uuid
      ELSE (SELECT mc.login_org_check(nullif(current_setting('mc.org_id', true), '')::uuid))
    END
  $$;

-- The same for the policies of mc.memberships and mc.member_logins (sql/0029), which a gateway and
-- a scan login may select from.
CREATE OR REPLACE FUNCTION mc.login_org_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (SELECT l.org_id FROM mc.member_logins l WHERE l.role_name = session_user::text)
      WHEN current_user::text = 'mc_app' THEN NULL::uuid
      WHEN current_user::text = 'mc_definer' THEN nullif(current_setting('mc.org_id', true), '')::uuid
      ELSE (SELECT mc.login_org_check(nullif(current_setting('mc.org_id', true), '')::uuid))
    END
  $$;

-- The functions these logins may call, each written whole from its last version with the check
-- added (a migration cannot edit an earlier one). CREATE OR REPLACE keeps owner and grants.


-- The key check: unchanged from 0043 but for the binding check on the key's org.
CREATE OR REPLACE FUNCTION mc.customer_key_check(p_hash bytea, p_source text)
  RETURNS TABLE (status text, org_id uuid, customer_id uuid, key_id uuid, mode text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    k record;
    v_status text;
  BEGIN
    SELECT c.id, c.org_id, c.customer_id, c.mode, c.revoked_at, c.expires_at, c.superseded_by, c.grace_until
      INTO k FROM mc.customer_keys c WHERE c.key_hash = p_hash;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::uuid, NULL::uuid, NULL::text;
      RETURN;
    END IF;
    -- A key of an org this login does not serve is refused before anything is stamped on it.
    PERFORM mc.login_org_check(k.org_id);
    v_status := CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
                     WHEN k.superseded_by IS NOT NULL AND k.grace_until <= now() THEN 'rotated_out'
                     WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired'
                     ELSE 'ok' END;
    IF v_status = 'ok' THEN
      UPDATE mc.customer_keys SET last_used_at = now(), last_used_source = left(p_source, 200), use_count = use_count + 1 WHERE id = k.id;
    ELSE
      UPDATE mc.customer_keys SET refused_count = refused_count + 1, last_refused_at = now(), last_refused_source = left(p_source, 200) WHERE id = k.id;
    END IF;
    RETURN QUERY SELECT v_status, k.org_id, k.customer_id, k.id, k.mode;
  END
  $$;

-- Metering: unchanged from 0055 but for the binding check of every org the batch names.
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
    -- Every org the batch names must be one this login serves, checked before anything is
    -- written: the whole call is refused (42501) rather than its elements rejected one by one, so
    -- the gateway keeps the batch in its spool until an operator binds the login, and no bill is
    -- dropped. A malformed org id is left to the element's own checks below.
    FOR v_org IN
      SELECT DISTINCT (e -> 'request' ->> 'org_id')::uuid FROM jsonb_array_elements(p_batch) AS e
       WHERE jsonb_typeof(e -> 'request') = 'object'
         AND (e -> 'request' ->> 'org_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    LOOP
      PERFORM mc.login_org_check(v_org);
    END LOOP;
    v_org := NULL;
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
        -- Again on the element's own cast id: a uuid the pre-check's pattern did not catch (no
        -- hyphens, braces) is still a uuid here. Re-raised below, so the whole call is refused.
        PERFORM mc.login_org_check(v_org);
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
        -- An org the login does not serve refuses the whole call (the gateway keeps the batch).
        IF SQLSTATE = '42501' THEN RAISE; END IF;
        -- The subtransaction is rolled back: neither row of this element is kept.
        v_rejected := v_rejected || jsonb_build_object('index', v_i, 'reason', left(SQLERRM, 300));
      END;
    END LOOP;
    PERFORM set_config('mc.org_id', '', true);
    RETURN jsonb_build_object('inserted', v_inserted, 'usage', v_usage, 'duplicates', v_duplicates, 'rejected', v_rejected);
  END
  $$;

-- Limits: unchanged from 0046 but for the binding check on p_org (limit_admit_many and
-- limit_settle_many call these two, so a batch naming an org the login does not serve is refused whole).
CREATE OR REPLACE FUNCTION mc.limit_admit(p_org uuid, p_customer uuid, p_request_id text, p_estimated_tokens bigint, p_lease_ttl_s integer)
  RETURNS TABLE (ok boolean, refusal text, retry_after_s integer, lease uuid, limit_value bigint, used bigint, resets_at timestamptz)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '2s'
  AS $$
  DECLARE
    c record;
    v_minute timestamptz := date_trunc('minute', now(), 'UTC');
    v_next_minute timestamptz := date_trunc('minute', now(), 'UTC') + interval '1 minute';
    v_month date := (date_trunc('month', now(), 'UTC') AT TIME ZONE 'UTC')::date;
    v_next_month timestamptz := ((date_trunc('month', now(), 'UTC') AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    v_minute_retry integer;
    v_org_limit integer;
    v_org_used integer;
    v_req integer;
    v_tok bigint;
    v_month_tok bigint;
    v_active integer;
    v_lease uuid;
  BEGIN
    PERFORM mc.login_org_check(p_org);
    IF p_org IS NULL OR p_customer IS NULL THEN
      RAISE EXCEPTION 'limits: org and customer are required' USING ERRCODE = '22023';
    END IF;
    IF p_request_id IS NULL OR p_request_id !~ '^[0-9A-Za-z_-]{8,64}$' THEN
      RAISE EXCEPTION 'limits: request id must be 8 to 64 letters, digits, _ or -' USING ERRCODE = '22023';
    END IF;
    IF p_estimated_tokens IS NULL OR p_estimated_tokens < 0 OR p_estimated_tokens > 1000000000000 THEN
      RAISE EXCEPTION 'limits: estimated tokens must be a whole number from 0 to 10^12, got %', p_estimated_tokens USING ERRCODE = '22023';
    END IF;
    IF p_lease_ttl_s IS NULL OR p_lease_ttl_s NOT BETWEEN 1 AND 3600 THEN
      RAISE EXCEPTION 'limits: lease time-to-live must be 1 to 3600 seconds' USING ERRCODE = '22023';
    END IF;
    SELECT cu.requests_per_min, cu.tokens_per_min, cu.monthly_token_quota, cu.max_concurrency
      INTO c FROM mc.customers cu WHERE cu.id = p_customer AND cu.org_id = p_org;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'limits: no customer % in org %', p_customer, p_org USING ERRCODE = 'P0002';
    END IF;
    v_org_limit := coalesce((SELECT o.requests_per_min FROM mc.org_limits o WHERE o.org_id = p_org), 10000);
    v_minute_retry := greatest(1, ceil(extract(epoch FROM v_next_minute - clock_timestamp()))::integer);

    -- Lock (creating when missing) the three counter rows, always in this order.
    SELECT m.requests INTO v_org_used FROM mc.limit_org_minutes m WHERE m.org_id = p_org AND m.minute = v_minute FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO mc.limit_org_minutes (org_id, minute) VALUES (p_org, v_minute) ON CONFLICT DO NOTHING;
      SELECT m.requests INTO v_org_used FROM mc.limit_org_minutes m WHERE m.org_id = p_org AND m.minute = v_minute FOR UPDATE;
    END IF;
    SELECT m.requests, m.tokens INTO v_req, v_tok FROM mc.limit_minutes m
      WHERE m.org_id = p_org AND m.customer_id = p_customer AND m.minute = v_minute FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO mc.limit_minutes (org_id, customer_id, minute) VALUES (p_org, p_customer, v_minute) ON CONFLICT DO NOTHING;
      SELECT m.requests, m.tokens INTO v_req, v_tok FROM mc.limit_minutes m
        WHERE m.org_id = p_org AND m.customer_id = p_customer AND m.minute = v_minute FOR UPDATE;
    END IF;
    SELECT m.tokens INTO v_month_tok FROM mc.limit_months m
      WHERE m.org_id = p_org AND m.customer_id = p_customer AND m.month = v_month FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO mc.limit_months (org_id, customer_id, month) VALUES (p_org, p_customer, v_month) ON CONFLICT DO NOTHING;
      SELECT m.tokens INTO v_month_tok FROM mc.limit_months m
        WHERE m.org_id = p_org AND m.customer_id = p_customer AND m.month = v_month FOR UPDATE;
    END IF;

    -- The refusal with the longest wait first: the quota (to the month's end), then the minute
    -- windows, then concurrency (a slot frees when any request ends).
    IF c.monthly_token_quota IS NOT NULL AND v_month_tok + p_estimated_tokens > c.monthly_token_quota THEN
      RETURN QUERY SELECT false, 'monthly_quota'::text, greatest(1, ceil(extract(epoch FROM v_next_month - clock_timestamp()))::integer),
                          NULL::uuid, c.monthly_token_quota, v_month_tok, v_next_month;
      RETURN;
    END IF;
    IF v_org_used >= v_org_limit THEN
      RETURN QUERY SELECT false, 'org_requests_per_min'::text, v_minute_retry, NULL::uuid, v_org_limit::bigint, v_org_used::bigint, v_next_minute;
      RETURN;
    END IF;
    IF v_req >= coalesce(c.requests_per_min, v_org_limit) THEN
      RETURN QUERY SELECT false, 'requests_per_min'::text, v_minute_retry, NULL::uuid, coalesce(c.requests_per_min, v_org_limit)::bigint, v_req::bigint, v_next_minute;
      RETURN;
    END IF;
    IF c.tokens_per_min IS NOT NULL AND v_tok + p_estimated_tokens > c.tokens_per_min THEN
      RETURN QUERY SELECT false, 'tokens_per_min'::text, v_minute_retry, NULL::uuid, c.tokens_per_min::bigint, v_tok, v_next_minute;
      RETURN;
    END IF;
    IF c.max_concurrency IS NOT NULL THEN
      -- Leases outlive windows, so they queue on a lock of the customer itself (not a counter
      -- row, which two admissions either side of a month's end would not share). Taken last,
      -- after the rows above, in the same order by every admission.
      PERFORM pg_advisory_xact_lock(hashtextextended('mc.limit_leases:' || p_customer::text, 0));
      SELECT count(*)::integer INTO v_active FROM mc.limit_admissions a
        WHERE a.org_id = p_org AND a.customer_id = p_customer AND a.lease IS NOT NULL AND a.lease_expires_at > now();
      IF v_active >= c.max_concurrency THEN
        RETURN QUERY SELECT false, 'concurrency'::text, 1, NULL::uuid, c.max_concurrency::bigint, v_active::bigint, NULL::timestamptz;
        RETURN;
      END IF;
      v_lease := gen_random_uuid();
    END IF;

    UPDATE mc.limit_org_minutes SET requests = requests + 1 WHERE org_id = p_org AND minute = v_minute;
    UPDATE mc.limit_minutes SET requests = requests + 1, tokens = tokens + p_estimated_tokens
      WHERE org_id = p_org AND customer_id = p_customer AND minute = v_minute;
    UPDATE mc.limit_months SET requests = requests + 1, tokens = tokens + p_estimated_tokens
      WHERE org_id = p_org AND customer_id = p_customer AND month = v_month;
    INSERT INTO mc.limit_admissions (org_id, request_id, customer_id, minute, estimated_tokens, lease, lease_expires_at)
      VALUES (p_org, p_request_id, p_customer, v_minute, p_estimated_tokens, v_lease,
              CASE WHEN v_lease IS NULL THEN NULL ELSE now() + make_interval(secs => p_lease_ttl_s) END)
      ON CONFLICT (org_id, request_id) DO NOTHING;
    IF NOT FOUND THEN
      -- Raising undoes the counts above: a request id is admitted once.
      RAISE EXCEPTION 'limits: request % was already admitted', p_request_id USING ERRCODE = '22023';
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);
    RETURN QUERY SELECT true, NULL::text, 0, v_lease, NULL::bigint, NULL::bigint, NULL::timestamptz;
  END
  $$;

CREATE OR REPLACE FUNCTION mc.limit_settle(p_org uuid, p_customer uuid, p_request_id text, p_lease uuid, p_tokens bigint)
  RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '2s'
  AS $$
  DECLARE
    a record;
    v_delta bigint;
  BEGIN
    PERFORM mc.login_org_check(p_org);
    IF p_tokens IS NULL OR p_tokens < 0 OR p_tokens > 1000000000000 THEN
      RAISE EXCEPTION 'limits: tokens must be a whole number from 0 to 10^12, got %', p_tokens USING ERRCODE = '22023';
    END IF;
    SELECT * INTO a FROM mc.limit_admissions x WHERE x.org_id = p_org AND x.request_id = p_request_id FOR UPDATE;
    IF NOT FOUND OR a.customer_id <> p_customer THEN
      RAISE EXCEPTION 'limits: no admission of request % for customer %', p_request_id, p_customer USING ERRCODE = 'P0002';
    END IF;
    IF a.settled_at IS NOT NULL THEN
      RETURN 'already_settled';
    END IF;
    IF p_lease IS DISTINCT FROM a.lease THEN
      RAISE EXCEPTION 'limits: lease % is not the lease of request %', p_lease, p_request_id USING ERRCODE = '22023';
    END IF;
    v_delta := p_tokens - a.estimated_tokens;
    IF v_delta <> 0 THEN
      UPDATE mc.limit_minutes SET tokens = greatest(0, tokens + v_delta)
        WHERE org_id = p_org AND customer_id = p_customer AND minute = a.minute;
      UPDATE mc.limit_months SET tokens = greatest(0, tokens + v_delta)
        WHERE org_id = p_org AND customer_id = p_customer AND month = (date_trunc('month', a.minute, 'UTC') AT TIME ZONE 'UTC')::date;
    END IF;
    UPDATE mc.limit_admissions SET settled_at = now(), tokens = p_tokens, lease = NULL, lease_expires_at = NULL
      WHERE org_id = p_org AND request_id = p_request_id;
    PERFORM set_config('synchronous_commit', 'off', true);
    RETURN 'settled';
  END
  $$;

-- Renewal names leases, not orgs: a login renews only leases of orgs it serves (0056 otherwise).
CREATE OR REPLACE FUNCTION mc.limit_renew(p_leases uuid[], p_lease_ttl_s integer)
  RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    WITH me AS MATERIALIZED (
      SELECT mc.data_plane_login() AS checked, ARRAY(SELECT b.org_id FROM mc.login_orgs b WHERE b.role_name = session_user::text) AS orgs
    ), locked AS (
      SELECT org_id, request_id FROM mc.limit_admissions
       WHERE lease = ANY (p_leases[1:10000]) AND lease_expires_at > now()
         AND (NOT (SELECT checked FROM me) OR org_id = ANY ((SELECT orgs FROM me)::uuid[]))
       ORDER BY org_id, request_id FOR UPDATE
    ), r AS (
      UPDATE mc.limit_admissions a SET lease_expires_at = now() + make_interval(secs => least(greatest(p_lease_ttl_s, 1), 3600))
        FROM locked l WHERE a.org_id = l.org_id AND a.request_id = l.request_id
      RETURNING 1
    )
    SELECT count(*)::integer FROM r
  $$;

-- The scan's write: unchanged from 0054 but for the binding check on the org it names.
CREATE OR REPLACE FUNCTION mc.advisories_record(p_findings jsonb, p_checked text[], p_report jsonb, p_trigger text, p_started_at timestamptz)
  RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_org uuid := mc.current_org_id();
    v_el jsonb;
    v_id uuid;
    v_raised integer := 0;
    v_refreshed integer := 0;
    v_closed integer := 0;
    v_subjects text[] := '{}';
    v_scan uuid;
  BEGIN
    IF v_org IS NULL THEN
      RAISE EXCEPTION 'the scan names no org (set mc.org_id)' USING ERRCODE = '42501';
    END IF;
    -- Inside this function current_user is mc_definer, whose org is the bare setting: the scan's
    -- own login (session_user) must serve the org it names.
    PERFORM mc.login_org_check(v_org);
    IF p_findings IS NULL OR jsonb_typeof(p_findings) <> 'array' OR jsonb_array_length(p_findings) > 10000 THEN
      RAISE EXCEPTION 'findings must be a JSON array of at most 10000' USING ERRCODE = '22023';
    END IF;
    IF p_report IS NULL OR jsonb_typeof(p_report) <> 'array' OR jsonb_array_length(p_report) > 100 THEN
      RAISE EXCEPTION 'the report must be a JSON array of at most 100 lines' USING ERRCODE = '22023';
    END IF;
    IF p_trigger IS NULL OR p_trigger NOT IN ('scheduled', 'manual') THEN
      RAISE EXCEPTION 'trigger must be scheduled or manual' USING ERRCODE = '22023';
    END IF;
    IF p_checked IS NULL OR cardinality(p_checked) > 50 THEN
      RAISE EXCEPTION 'checked must list at most 50 checks' USING ERRCODE = '22023';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('mc.advisories'), hashtext(v_org::text));
    FOR v_el IN SELECT e FROM jsonb_array_elements(p_findings) AS e LOOP
      IF NOT ((v_el ->> 'check') = ANY (p_checked)) THEN
        RAISE EXCEPTION 'finding of check % which the scan did not list as run', v_el ->> 'check' USING ERRCODE = '22023';
      END IF;
      IF (v_el ->> 'check') || E'\n' || (v_el ->> 'subject') = ANY (v_subjects) THEN
        RAISE EXCEPTION 'the same subject twice in one check: %', v_el ->> 'subject' USING ERRCODE = '22023';
      END IF;
      v_subjects := v_subjects || ((v_el ->> 'check') || E'\n' || (v_el ->> 'subject'));
      UPDATE mc.advisories
         SET severity = v_el ->> 'severity', subject_label = v_el ->> 'label', evidence = v_el ->> 'evidence', fix = v_el ->> 'fix',
             fix_view = v_el ->> 'view', last_seen_at = now(), seen_count = seen_count + 1
       WHERE org_id = v_org AND check_key = v_el ->> 'check' AND subject_key = v_el ->> 'subject' AND closed_at IS NULL
       RETURNING id INTO v_id;
      IF v_id IS NULL THEN
        INSERT INTO mc.advisories (org_id, check_key, subject_key, subject_label, severity, evidence, fix, fix_view)
        VALUES (v_org, v_el ->> 'check', v_el ->> 'subject', v_el ->> 'label', v_el ->> 'severity', v_el ->> 'evidence', v_el ->> 'fix', v_el ->> 'view');
        v_raised := v_raised + 1;
      ELSE
        v_refreshed := v_refreshed + 1;
      END IF;
      v_id := NULL;
    END LOOP;
    UPDATE mc.advisories a SET closed_at = now(), closed_reason = 'Condition cleared: the scan no longer finds it.'
     WHERE a.org_id = v_org AND a.closed_at IS NULL AND a.check_key = ANY (p_checked)
       AND NOT ((a.check_key || E'\n' || a.subject_key) = ANY (v_subjects));
    GET DIAGNOSTICS v_closed = ROW_COUNT;
    INSERT INTO mc.advisory_scans (org_id, trigger, started_at, raised, refreshed, closed, report)
    VALUES (v_org, p_trigger, p_started_at, v_raised, v_refreshed, v_closed, p_report)
    RETURNING id INTO v_scan;
    RETURN jsonb_build_object('scan', v_scan, 'raised', v_raised, 'refreshed', v_refreshed, 'closed', v_closed);
  END
  $$;

-- A node agent's direct call (0006): the key's org must be one the login serves.
CREATE OR REPLACE FUNCTION mc.ingest_telemetry(
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
    -- The node key names the org; a login that does not serve it is refused before the batch is
    -- looked at (an unknown key is left to ingest_batch, which answers key_invalid as before).
    PERFORM mc.login_org_check((SELECT nk.org_id FROM mc.node_keys nk WHERE nk.key_hash = sha256(convert_to(p_node_key, 'UTF8'))));
    v_answer := mc.ingest_batch(p_node_key, p_batch_id, p_ts, p_metric, p_value, p_agent);
    PERFORM set_config('mc.org_id', v_caller_org, true);
    RETURN v_answer;
  END
  $$;

-- The door's queue (0035). One call carries many agents' batches, so a key of an org the door's
-- login does not serve is refused for its own item (code login_unbound; not recorded in that org's
-- refusals, since the door writes nothing into an org it does not serve), not for the whole group. Otherwise unchanged.
CREATE OR REPLACE FUNCTION mc.ingest_enqueue(
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
    -- Whether this login's orgs are checked, and which they are, once per call (not per item).
    v_checked boolean := mc.data_plane_login();
    v_orgs uuid[] := ARRAY(SELECT b.org_id FROM mc.login_orgs b WHERE b.role_name = session_user::text);
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
               -- Before the key's own state: a door learns nothing of an org it does not serve
               -- (not whether its key was revoked), and records no refusal in that org.
               WHEN v_checked AND NOT (it.org_id = ANY (v_orgs)) THEN 'login_unbound'
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
        -- A key of an org this door does not serve is not that org's refusal to record: the door
        -- writes nothing into an org it does not serve.
        FROM v WHERE v.code IS NOT NULL AND v.code <> 'login_unbound'
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
             WHEN 'login_unbound' THEN 'This telemetry door does not serve the node key''s org; its operator must bind the door''s database login to that org.'
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

-- Claiming takes only batches of orgs the login serves (two doors for different orgs can share a
-- queue); writing refuses (42501) a batch of any other org (sql/0060); failing and counting see
-- only those orgs.
CREATE OR REPLACE FUNCTION mc.ingest_claim(p_limit integer) RETURNS bigint[]
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_seqs bigint[];
    v_checked boolean := mc.data_plane_login();
    v_orgs uuid[] := ARRAY(SELECT b.org_id FROM mc.login_orgs b WHERE b.role_name = session_user::text);
  BEGIN
    SELECT array_agg(q.seq ORDER BY q.seq) INTO v_seqs FROM (
      SELECT seq FROM mc.ingest_queue WHERE next_attempt_at <= now() AND attempts > 0 AND (NOT v_checked OR org_id = ANY (v_orgs))
       ORDER BY next_attempt_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED) q;
    IF v_seqs IS NOT NULL THEN RETURN v_seqs; END IF;
    SELECT array_agg(q.seq ORDER BY q.seq) INTO v_seqs FROM (
      SELECT seq FROM mc.ingest_queue WHERE next_attempt_at <= now() AND attempts = 0 AND (NOT v_checked OR org_id = ANY (v_orgs))
       ORDER BY next_attempt_at, seq LIMIT greatest(1, least(p_limit, 5000)) FOR UPDATE SKIP LOCKED) q;
    RETURN coalesce(v_seqs, '{}');
  END
  $$;

-- mc.ingest_write gets the same check (mc.login_org_check per org of the group) in sql/0060,
-- which replaces it whole for the parallel drain; it is not written twice.

CREATE OR REPLACE FUNCTION mc.ingest_failed(p_seqs bigint[], p_reason text, p_max_attempts integer, p_base_ms integer) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_dead integer;
    v_checked boolean := mc.data_plane_login();
    v_orgs uuid[] := ARRAY(SELECT b.org_id FROM mc.login_orgs b WHERE b.role_name = session_user::text);
  BEGIN
    UPDATE mc.ingest_queue SET attempts = attempts + 1, last_error = left(p_reason, 500),
           next_attempt_at = now() + least(interval '10 minutes', make_interval(secs => greatest(p_base_ms, 1) / 1000.0 * power(2, attempts)))
     WHERE seq = ANY (p_seqs) AND (NOT v_checked OR org_id = ANY (v_orgs));
    WITH dead AS (
      DELETE FROM mc.ingest_queue WHERE seq = ANY (p_seqs) AND attempts >= p_max_attempts AND (NOT v_checked OR org_id = ANY (v_orgs)) RETURNING *
    )
    INSERT INTO mc.ingest_dead_letters (seq, org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at, attempts, reason)
    SELECT seq, org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at, attempts, coalesce(last_error, 'unknown')
      FROM dead;
    GET DIAGNOSTICS v_dead = ROW_COUNT;
    RETURN v_dead;
  END
  $$;

CREATE OR REPLACE FUNCTION mc.ingest_queue_depth() RETURNS TABLE (batches bigint, oldest timestamptz, dead_letters bigint)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    WITH me AS MATERIALIZED (
      SELECT mc.data_plane_login() AS checked, ARRAY(SELECT b.org_id FROM mc.login_orgs b WHERE b.role_name = session_user::text) AS orgs
    )
    SELECT (SELECT count(*) FROM mc.ingest_queue q, me WHERE NOT me.checked OR q.org_id = ANY (me.orgs)),
           (SELECT min(q.received_at) FROM mc.ingest_queue q, me WHERE NOT me.checked OR q.org_id = ANY (me.orgs)),
           (SELECT count(*) FROM mc.ingest_dead_letters d, me WHERE NOT me.checked OR d.org_id = ANY (me.orgs))
  $$;

-- Existing installations: every data-plane login that exists now keeps serving the orgs it serves
-- today, as far as the records tell. They do not name the login that wrote them (a request log row
-- names a gateway instance, a scan names nobody), so this goes by org and by kind of login:
--   * a database with one org (the embedded demo database, a single-org server): every such login
--     is bound to that org;
--   * several orgs: a gateway login to every org whose customer keys the database has accepted,
--     a scan login to every org that has a scan on record, an ingest login to every org whose node
--     keys have been used or that has batches queued or written.
-- Nothing is bound where no records say the org was served. An operator narrows a login with a
-- DELETE on mc.login_orgs (docs/security.md); the app binds its own logins again on connect.
DO $$
DECLARE
  v_single uuid;
BEGIN
  IF (SELECT count(*) FROM mc.orgs) = 1 THEN
    v_single := (SELECT id FROM mc.orgs);
  END IF;
  WITH logins AS (
    SELECT r.rolname::text AS role_name,
           CASE WHEN pg_has_role(r.oid, 'mc_gateway', 'MEMBER') THEN 'gateway'
                WHEN pg_has_role(r.oid, 'mc_advisor', 'MEMBER') THEN 'advisor'
                ELSE 'ingest' END AS purpose
      FROM pg_roles r
     WHERE r.rolcanlogin AND r.rolname <> 'authenticator'
       AND NOT r.rolsuper AND NOT r.rolcreaterole AND NOT r.rolbypassrls
       AND (pg_has_role(r.oid, 'mc_gateway', 'MEMBER') OR pg_has_role(r.oid, 'mc_advisor', 'MEMBER') OR pg_has_role(r.oid, 'mc_ingest', 'MEMBER'))
       AND NOT pg_has_role(r.oid, 'mc_app', 'MEMBER')
  ), served AS (
    -- With several orgs, the app's own per-installation logins (mc_ingest_/mc_advisor_/
    -- mc_gateway_<installation>) are not guessed from the records: each served one workstation's
    -- org, and the app binds it to exactly that org on its next connect. Only logins an operator
    -- made for a server (a gateway, a door) are bound here from what the records show.
    SELECT l.role_name, l.purpose, o.id AS org_id
      FROM logins l CROSS JOIN mc.orgs o
     WHERE o.id = v_single
        OR (l.role_name !~ '^mc_(ingest|advisor|gateway)_[0-9a-f]{6,32}$' AND (
               (l.purpose = 'gateway' AND EXISTS (SELECT 1 FROM mc.customer_keys k WHERE k.org_id = o.id AND k.last_used_at IS NOT NULL))
            OR (l.purpose = 'advisor' AND EXISTS (SELECT 1 FROM mc.advisory_scans s WHERE s.org_id = o.id))
            OR (l.purpose = 'ingest' AND (EXISTS (SELECT 1 FROM mc.node_keys k WHERE k.org_id = o.id AND k.last_used_at IS NOT NULL)
                                          OR EXISTS (SELECT 1 FROM mc.ingest_queue q WHERE q.org_id = o.id)
                                          OR EXISTS (SELECT 1 FROM mc.ingest_batches b WHERE b.org_id = o.id)))))
  )
  INSERT INTO mc.login_orgs (role_name, org_id, purpose, granted_by)
  SELECT role_name, org_id, purpose, 'migration 0058' FROM served
  ON CONFLICT (role_name, org_id) DO NOTHING;
END
$$;
