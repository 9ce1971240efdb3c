SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 13 benchmark: every admission (and every settle) locked the org's minute row in its own
-- transaction and round trip, so a busy org's requests queued on that row one database call at a
-- time (the gateway reached about half its own throughput with limits on). A gateway now sends
-- the admissions (and settles) that arrive while its previous call is running as one call: each
-- element still runs mc.limit_admit / mc.limit_settle, in turn, inside one transaction, so every
-- limit is checked against the counts of the elements before it exactly as if they had come one
-- by one, and the rows are locked once per batch instead of once per request.
--
-- Lock order. An admission takes the org's minute row, then the customer's minute row, then its
-- month row; an admit batch runs its elements in (org, customer, request) order, so two batches
-- take those rows in one order. A settle batch may hold requests of two minutes of one customer:
-- it first locks every admission row it settles (by org and request id, the order lease renewal
-- uses too), then every customer minute row (by org, customer, minute), then every month row, all
-- before settling any, so it never holds a month row while it waits for a minute row an admission
-- holds (which takes the month row next). Should Postgres still find a deadlock, it aborts one
-- call and the gateway sends its elements one by one. The answer is in the caller's order ("i" is
-- the element's position, from 1). An element that raises (bad input, unknown customer) fails
-- the whole call and nothing of it is kept; the gateway then sends each element on its own, so
-- only that request gets the error.

CREATE FUNCTION mc.limit_admit_many(p_requests jsonb, p_lease_ttl_s integer)
  RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '2s'
  AS $$
  DECLARE
    e record;
    v_out jsonb := '[]';
  BEGIN
    IF p_requests IS NULL OR jsonb_typeof(p_requests) <> 'array' OR jsonb_array_length(p_requests) NOT BETWEEN 1 AND 256 THEN
      RAISE EXCEPTION 'limits: a batch is a JSON array of 1 to 256 admissions' USING ERRCODE = '22023';
    END IF;
    FOR e IN
      SELECT x.el, x.n FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS x(el, n)
       ORDER BY x.el ->> 'org_id', x.el ->> 'customer_id', x.el ->> 'request_id'
    LOOP
      v_out := v_out || (
        SELECT jsonb_build_object('i', e.n) || to_jsonb(a)
          FROM mc.limit_admit((e.el ->> 'org_id')::uuid, (e.el ->> 'customer_id')::uuid, e.el ->> 'request_id',
                              (e.el ->> 'estimated_tokens')::bigint, p_lease_ttl_s) AS a
      );
    END LOOP;
    RETURN v_out;
  END
  $$;

CREATE FUNCTION mc.limit_settle_many(p_settles jsonb)
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET lock_timeout = '2s'
  AS $$
  DECLARE
    e record;
    n integer := 0;
  BEGIN
    IF p_settles IS NULL OR jsonb_typeof(p_settles) <> 'array' OR jsonb_array_length(p_settles) NOT BETWEEN 1 AND 256 THEN
      RAISE EXCEPTION 'limits: a batch is a JSON array of 1 to 256 settles' USING ERRCODE = '22023';
    END IF;
    -- Every row the batch will update, locked up front in the documented order.
    PERFORM 1 FROM mc.limit_admissions a
      JOIN jsonb_array_elements(p_settles) AS x(el) ON a.org_id = (x.el ->> 'org_id')::uuid AND a.request_id = x.el ->> 'request_id'
     ORDER BY a.org_id, a.request_id FOR UPDATE OF a;
    PERFORM 1 FROM mc.limit_minutes m
      JOIN mc.limit_admissions a ON a.org_id = m.org_id AND a.customer_id = m.customer_id AND a.minute = m.minute
      JOIN jsonb_array_elements(p_settles) AS x(el) ON a.org_id = (x.el ->> 'org_id')::uuid AND a.request_id = x.el ->> 'request_id'
     ORDER BY m.org_id, m.customer_id, m.minute FOR UPDATE OF m;
    PERFORM 1 FROM mc.limit_months mo
      JOIN mc.limit_admissions a ON a.org_id = mo.org_id AND a.customer_id = mo.customer_id
                                AND mo.month = (date_trunc('month', a.minute, 'UTC') AT TIME ZONE 'UTC')::date
      JOIN jsonb_array_elements(p_settles) AS x(el) ON a.org_id = (x.el ->> 'org_id')::uuid AND a.request_id = x.el ->> 'request_id'
     ORDER BY mo.org_id, mo.customer_id, mo.month FOR UPDATE OF mo;
    FOR e IN
      SELECT x.el FROM jsonb_array_elements(p_settles) AS x(el)
        LEFT JOIN mc.limit_admissions a ON a.org_id = (x.el ->> 'org_id')::uuid AND a.request_id = x.el ->> 'request_id'
       ORDER BY x.el ->> 'org_id', x.el ->> 'customer_id', a.minute, x.el ->> 'request_id'
    LOOP
      PERFORM mc.limit_settle((e.el ->> 'org_id')::uuid, (e.el ->> 'customer_id')::uuid, e.el ->> 'request_id', (e.el ->> 'lease')::uuid, (e.el ->> 'tokens')::bigint);
      n := n + 1;
    END LOOP;
    RETURN n;
  END
  $$;

-- Lease renewal locks the admission rows it renews in the settle batch's order (0046 left the
-- order to the plan), so a renewal and a settle batch cannot wait on each other in a cycle.
CREATE OR REPLACE FUNCTION mc.limit_renew(p_leases uuid[], p_lease_ttl_s integer)
  RETURNS integer
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    WITH locked AS (
      SELECT org_id, request_id FROM mc.limit_admissions
       WHERE lease = ANY (p_leases[1:10000]) AND lease_expires_at > now()
       ORDER BY org_id, request_id FOR UPDATE
    ), r AS (
      UPDATE mc.limit_admissions a SET lease_expires_at = now() + make_interval(secs => least(greatest(p_lease_ttl_s, 1), 3600))
        FROM locked l WHERE a.org_id = l.org_id AND a.request_id = l.request_id
      RETURNING 1
    )
    SELECT count(*)::integer FROM r
  $$;

GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.limit_admit_many(jsonb, integer) OWNER TO mc_definer;
ALTER FUNCTION mc.limit_settle_many(jsonb) OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.limit_admit_many(jsonb, integer), mc.limit_settle_many(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.limit_admit_many(jsonb, integer), mc.limit_settle_many(jsonb) TO mc_gateway;
