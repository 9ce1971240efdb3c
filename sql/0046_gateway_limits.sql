SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- The gateway's limits (issue 13), shared by every gateway instance on this database: per
-- customer requests and tokens per minute, a billing-month token quota (calendar month, UTC) and
-- concurrent requests; per org requests per minute. Limits come from mc.customers (0044; null =
-- the org default) and mc.org_limits below (no row = the seed's 10,000 API requests a minute).
--
-- Why counters in Postgres and not rate-limiter-flexible: its Postgres store creates its own table
-- (key, points, expire) with no org_id and no row-level security, one limiter consumes one key at
-- a time (a request refused by its third limit has already been counted by the first two), and it
-- has no calendar month or lease with expiry. Here one function call checks every limit of a
-- request under row locks and counts it in all of them or in none.
--
-- Windows are fixed UTC minutes (not sliding): "used vs committed per minute" is read from the
-- same rows, a refusal's Retry-After is exactly the seconds to the window's end, and the count is
-- exact under any concurrency. The price is the fixed window's edge: a customer can get up to
-- twice its limit across the two seconds around a minute boundary.

-- A per-org request limit an admin may set; no row = 10,000 a minute (the seed's per-org limit).
CREATE TABLE mc.org_limits (
  org_id           uuid NOT NULL PRIMARY KEY REFERENCES mc.orgs (id) ON DELETE CASCADE,
  requests_per_min integer NOT NULL CHECK (requests_per_min BETWEEN 1 AND 100000000),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per org and UTC minute: requests admitted for all of the org's customers. Updated in
-- place by every admission (fillfactor leaves room for HOT updates: no index changes per request).
CREATE TABLE mc.limit_org_minutes (
  org_id   uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  minute   timestamptz NOT NULL,
  requests integer NOT NULL DEFAULT 0 CHECK (requests >= 0),
  PRIMARY KEY (org_id, minute)
) WITH (fillfactor = 70);
CREATE INDEX limit_org_minutes_minute_idx ON mc.limit_org_minutes (minute);

-- One row per customer and UTC minute: requests admitted and tokens (the estimate at admission,
-- corrected to the real count when the request settles). Also the record of "used vs committed".
CREATE TABLE mc.limit_minutes (
  org_id      uuid NOT NULL,
  customer_id uuid NOT NULL,
  minute      timestamptz NOT NULL,
  requests    integer NOT NULL DEFAULT 0 CHECK (requests >= 0),
  tokens      bigint NOT NULL DEFAULT 0 CHECK (tokens >= 0),
  PRIMARY KEY (org_id, customer_id, minute),
  FOREIGN KEY (org_id, customer_id) REFERENCES mc.customers (org_id, id) ON DELETE CASCADE
) WITH (fillfactor = 70);
CREATE INDEX limit_minutes_minute_idx ON mc.limit_minutes (minute);

-- One row per customer and billing month (UTC): tokens counted against the monthly quota.
CREATE TABLE mc.limit_months (
  org_id      uuid NOT NULL,
  customer_id uuid NOT NULL,
  month       date NOT NULL CHECK (extract(day FROM month) = 1),
  requests    bigint NOT NULL DEFAULT 0 CHECK (requests >= 0),
  tokens      bigint NOT NULL DEFAULT 0 CHECK (tokens >= 0),
  PRIMARY KEY (org_id, customer_id, month),
  FOREIGN KEY (org_id, customer_id) REFERENCES mc.customers (org_id, id) ON DELETE CASCADE
) WITH (fillfactor = 70);

-- One row per admitted request: what settle corrects (the minute and month it was counted in,
-- the estimate) and, for a customer with a concurrency cap, its lease. A lease counts while
-- unsettled and unexpired; the gateway that holds it renews it, so a killed gateway's slots come
-- back when their leases expire. Settled rows stay a few minutes so a repeated settle is a no-op.
CREATE TABLE mc.limit_admissions (
  org_id           uuid NOT NULL,
  request_id       text NOT NULL CHECK (request_id ~ '^[0-9A-Za-z_-]{8,64}$'),
  customer_id      uuid NOT NULL,
  admitted_at      timestamptz NOT NULL DEFAULT now(),
  minute           timestamptz NOT NULL,
  estimated_tokens bigint NOT NULL CHECK (estimated_tokens >= 0),
  lease            uuid UNIQUE,
  lease_expires_at timestamptz,
  settled_at       timestamptz,
  tokens           bigint CHECK (tokens >= 0),
  PRIMARY KEY (org_id, request_id),
  FOREIGN KEY (org_id, customer_id) REFERENCES mc.customers (org_id, id) ON DELETE CASCADE,
  CHECK ((lease IS NULL) = (lease_expires_at IS NULL)),
  CHECK ((settled_at IS NULL) = (tokens IS NULL))
);
CREATE INDEX limit_admissions_leases_idx ON mc.limit_admissions (org_id, customer_id, lease_expires_at) WHERE lease IS NOT NULL;
CREATE INDEX limit_admissions_admitted_idx ON mc.limit_admissions (admitted_at);

ALTER TABLE mc.org_limits ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.org_limits FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.limit_org_minutes ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.limit_org_minutes FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.limit_minutes ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.limit_minutes FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.limit_months ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.limit_months FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.limit_admissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.limit_admissions FORCE ROW LEVEL SECURITY;

-- Members read their org's limits and counters (the usage view); only admins set the org limit,
-- since it caps every customer's billed traffic. The counters are written only by the definer
-- functions below, which these policies let in.
CREATE POLICY org_limits_read ON mc.org_limits FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY org_limits_insert ON mc.org_limits FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY org_limits_update ON mc.org_limits FOR UPDATE USING (org_id = mc.current_org_id() AND mc.is_admin())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY org_limits_definer ON mc.org_limits FOR SELECT TO mc_definer USING (true);
CREATE POLICY limit_org_minutes_read ON mc.limit_org_minutes FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY limit_minutes_read ON mc.limit_minutes FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY limit_months_read ON mc.limit_months FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY limit_admissions_read ON mc.limit_admissions FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY limit_org_minutes_definer ON mc.limit_org_minutes TO mc_definer USING (true) WITH CHECK (true);
CREATE POLICY limit_minutes_definer ON mc.limit_minutes TO mc_definer USING (true) WITH CHECK (true);
CREATE POLICY limit_months_definer ON mc.limit_months TO mc_definer USING (true) WITH CHECK (true);
CREATE POLICY limit_admissions_definer ON mc.limit_admissions TO mc_definer USING (true) WITH CHECK (true);
-- The admission function reads a customer's limits whichever org the gateway serves.
CREATE POLICY customers_definer_limits ON mc.customers FOR SELECT TO mc_definer USING (true);

GRANT SELECT, INSERT ON mc.org_limits TO mc_app;
GRANT UPDATE (requests_per_min, updated_at) ON mc.org_limits TO mc_app;
GRANT SELECT ON mc.limit_org_minutes, mc.limit_minutes, mc.limit_months, mc.limit_admissions TO mc_app;
GRANT SELECT ON mc.org_limits TO mc_definer;
GRANT SELECT (id, org_id, requests_per_min, tokens_per_min, monthly_token_quota, max_concurrency) ON mc.customers TO mc_definer;
GRANT SELECT, INSERT, UPDATE, DELETE ON mc.limit_org_minutes, mc.limit_minutes, mc.limit_months, mc.limit_admissions TO mc_definer;

-- The gateway's role. Created by the gateway's own migration too; whichever runs first makes it.
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mc_gateway') THEN CREATE ROLE mc_gateway NOLOGIN; END IF; END $$;
GRANT USAGE ON SCHEMA mc TO mc_gateway;

-- Admission: every limit of one request checked and counted in one statement. The rows a request
-- counts in are locked in one order (org minute, customer minute, customer month), so concurrent
-- admissions of one customer or org queue on those rows and each sees the counts the previous
-- one committed: 200 concurrent calls against 100 a minute admit exactly 100, from any number of
-- gateways. A refusal writes nothing. Bad input raises 22023, an unknown customer P0002; both
-- roll the statement back, so nothing is counted.
-- Commit is asynchronous for this transaction only: a database crash can forget the last fraction
-- of a second of counts (a few extra admissions after the crash), never corrupt them; billing is
-- metered from mc.usage_events, not from these counters.
CREATE FUNCTION mc.limit_admit(p_org uuid, p_customer uuid, p_request_id text, p_estimated_tokens bigint, p_lease_ttl_s integer)
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

-- Settling: the real token count replaces the estimate in the minute and month the request was
-- counted in, and its lease (if any) is given back. Settling a request twice changes nothing the
-- second time ('already_settled'); a request never admitted, another customer's, or a lease that
-- is not the request's raises, and nothing changes.
CREATE FUNCTION mc.limit_settle(p_org uuid, p_customer uuid, p_request_id text, p_lease uuid, p_tokens bigint)
  RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '2s'
  AS $$
  DECLARE
    a record;
    v_delta bigint;
  BEGIN
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

-- A live gateway renews the leases it holds; an expired lease is not revived (its slot may be
-- someone else's by now). Returns how many were renewed.
CREATE FUNCTION mc.limit_renew(p_leases uuid[], p_lease_ttl_s integer)
  RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    WITH r AS (
      UPDATE mc.limit_admissions SET lease_expires_at = now() + make_interval(secs => least(greatest(p_lease_ttl_s, 1), 3600))
       WHERE lease = ANY (p_leases[1:10000]) AND lease_expires_at > now()
      RETURNING 1
    )
    SELECT count(*)::integer FROM r
  $$;

-- Housekeeping, from any gateway (every minute) and the app's hourly upkeep: minute counters kept
-- a day (the usage view's "used vs committed per minute"), month counters 400 days, admissions
-- ten minutes after they settled or their lease expired (an unsettled admission without a lease,
-- from a gateway killed mid-request, an hour: its estimate stays counted).
CREATE FUNCTION mc.limit_upkeep()
  RETURNS TABLE (org_minutes integer, minutes integer, months integer, admissions integer)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    n1 integer; n2 integer; n3 integer; n4 integer;
  BEGIN
    DELETE FROM mc.limit_org_minutes WHERE minute < now() - interval '1 day';
    GET DIAGNOSTICS n1 = ROW_COUNT;
    DELETE FROM mc.limit_minutes WHERE minute < now() - interval '1 day';
    GET DIAGNOSTICS n2 = ROW_COUNT;
    DELETE FROM mc.limit_months WHERE month < (now() AT TIME ZONE 'UTC')::date - 400;
    GET DIAGNOSTICS n3 = ROW_COUNT;
    DELETE FROM mc.limit_admissions
     WHERE (settled_at IS NOT NULL AND settled_at < now() - interval '10 minutes')
        OR (lease IS NOT NULL AND settled_at IS NULL AND lease_expires_at < now() - interval '10 minutes')
        OR (lease IS NULL AND settled_at IS NULL AND admitted_at < now() - interval '1 hour');
    GET DIAGNOSTICS n4 = ROW_COUNT;
    RETURN QUERY SELECT n1, n2, n3, n4;
  END
  $$;

GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.limit_admit(uuid, uuid, text, bigint, integer) OWNER TO mc_definer;
ALTER FUNCTION mc.limit_settle(uuid, uuid, text, uuid, bigint) OWNER TO mc_definer;
ALTER FUNCTION mc.limit_renew(uuid[], integer) OWNER TO mc_definer;
ALTER FUNCTION mc.limit_upkeep() OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.limit_admit(uuid, uuid, text, bigint, integer), mc.limit_settle(uuid, uuid, text, uuid, bigint),
  mc.limit_renew(uuid[], integer), mc.limit_upkeep() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.limit_admit(uuid, uuid, text, bigint, integer), mc.limit_settle(uuid, uuid, text, uuid, bigint),
  mc.limit_renew(uuid[], integer), mc.limit_upkeep() TO mc_gateway;
-- The app's hourly upkeep trims the counters too, so they stay bounded when no gateway runs.
GRANT EXECUTE ON FUNCTION mc.limit_upkeep() TO mc_app;
