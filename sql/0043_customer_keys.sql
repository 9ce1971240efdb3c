SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Customer API keys (issue 13, "the customer API-key record"): the same key module as node keys
-- (src-shared/domain/api-key.ts), another kind. A key is `ume_live_…` (real traffic) or
-- `ume_test_…` (a customer's integration tests), shown once; only its sha256 is kept. Rotation
-- keeps the old key working until its grace ends; revocation is immediate. What the gateway
-- will present goes through mc.customer_key_check, which records last use and, for a key that
-- no longer works, that it was still presented (the keys page flags it).
CREATE TABLE mc.customer_keys (
  id                  uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id              uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  customer_id         uuid NOT NULL,
  mode                text NOT NULL CHECK (mode IN ('live', 'test')),
  key_hash            bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  prefix              text NOT NULL CHECK (prefix ~ '^ume_(live|test)_[0-9A-Za-z]{6}$'),
  label               text NOT NULL DEFAULT '' CHECK (length(label) <= 80),
  created_at          timestamptz NOT NULL DEFAULT now(),
  created_by          uuid REFERENCES mc.operators (id),
  expires_at          timestamptz,
  revoked_at          timestamptz,
  revoked_by          uuid REFERENCES mc.operators (id),
  revoke_reason       text CHECK (length(revoke_reason) <= 2000),
  superseded_by       uuid REFERENCES mc.customer_keys (id),
  grace_until         timestamptz,
  last_used_at        timestamptz,
  last_used_source    text CHECK (length(last_used_source) <= 200),
  use_count           bigint NOT NULL DEFAULT 0,
  -- Presented after it stopped working (revoked, expired, rotated out): a leak or a forgotten client.
  refused_count       bigint NOT NULL DEFAULT 0,
  last_refused_at     timestamptz,
  last_refused_source text CHECK (length(last_refused_source) <= 200),
  FOREIGN KEY (org_id, customer_id) REFERENCES mc.customers (org_id, id) ON DELETE CASCADE,
  CHECK ((superseded_by IS NULL) = (grace_until IS NULL)),
  CHECK (left(prefix, 9) = 'ume_' || mode || '_'),
  UNIQUE (org_id, id)
);
CREATE INDEX customer_keys_customer_idx ON mc.customer_keys (org_id, customer_id);

ALTER TABLE mc.customer_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.customer_keys FORCE ROW LEVEL SECURITY;

-- Members read their org's keys. Issuing (and rotating, which issues) is an admin's: a customer
-- key opens billed traffic. Revoking is any writer's, so whoever sees a leak can stop it at once.
CREATE POLICY customer_keys_read ON mc.customer_keys FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY customer_keys_insert ON mc.customer_keys FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY customer_keys_update ON mc.customer_keys FOR UPDATE USING (org_id = mc.current_org_id() AND mc.can_write())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY customer_keys_definer ON mc.customer_keys FOR SELECT TO mc_definer USING (true);
CREATE POLICY customer_keys_definer_use ON mc.customer_keys FOR UPDATE TO mc_definer USING (true) WITH CHECK (true);

-- key_hash is never selected by the app: the column grant leaves it out.
GRANT SELECT (id, org_id, customer_id, mode, prefix, label, created_at, created_by, expires_at, revoked_at, revoked_by, revoke_reason,
              superseded_by, grace_until, last_used_at, last_used_source, use_count, refused_count, last_refused_at, last_refused_source)
  ON mc.customer_keys TO mc_app;
GRANT INSERT (org_id, customer_id, mode, key_hash, prefix, label, created_by, expires_at) ON mc.customer_keys TO mc_app;
GRANT UPDATE (revoked_at, revoked_by, revoke_reason, superseded_by, grace_until) ON mc.customer_keys TO mc_app;
GRANT SELECT, UPDATE (last_used_at, last_used_source, use_count, refused_count, last_refused_at, last_refused_source) ON mc.customer_keys TO mc_definer;

CREATE TRIGGER customer_keys_notify AFTER INSERT OR UPDATE OF revoked_at, superseded_by ON mc.customer_keys
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('keys.changed');

-- The check a gateway makes for every request: by the sha256 of the presented key only. A key
-- that works records its use; one that no longer works records that it was still presented; an
-- unknown hash records nothing (no org can be named) and answers exactly like a malformed key
-- would to the caller, so nobody learns whether a key exists.
CREATE FUNCTION mc.customer_key_check(p_hash bytea, p_source text)
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
GRANT CREATE ON SCHEMA mc TO mc_definer;
ALTER FUNCTION mc.customer_key_check(bytea, text) OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.customer_key_check(bytea, text) FROM PUBLIC;
-- The data plane's role (the gateway will run as it, as the telemetry door does).
GRANT EXECUTE ON FUNCTION mc.customer_key_check(bytea, text) TO mc_ingest;
