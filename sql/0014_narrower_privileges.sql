SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Two privileges narrower than 0001 and 0009 left them.

-- mc_definer needed CREATE on schema mc only so that migrations could hand it SECURITY DEFINER
-- functions (ALTER FUNCTION ... OWNER requires it of the new owner). Kept, it would let a misused
-- definer function create objects in the app's schema. A later migration that hands mc_definer
-- another function grants it around that statement and revokes it again.
REVOKE CREATE ON SCHEMA mc FROM mc_definer;

-- Who gets paged is an admin's decision (docs/security.md), but 0009 let any writer insert a
-- policy. The one insert that is not an admin's is the default policy, installed once per org by
-- the first workstation that may write (with the default alert rules, in the same transaction
-- that marks the defaults installed); after that, only admins add policies.
DROP POLICY escalation_policies_insert ON mc.escalation_policies;
CREATE POLICY escalation_policies_insert ON mc.escalation_policies FOR INSERT WITH CHECK (
  org_id = mc.current_org_id()
  AND (
    mc.is_admin()
    OR (
      mc.can_write()
      AND NOT EXISTS (SELECT 1 FROM mc.org_ops_settings s WHERE s.org_id = mc.current_org_id() AND s.defaults_installed_at IS NOT NULL)
    )
  )
);

-- The exception above rests on defaults_installed_at, which writers may update (the first one sets
-- it). Set once, it stays: otherwise any writer could clear it and add policies again.
CREATE FUNCTION mc.ops_defaults_stay_installed() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF OLD.defaults_installed_at IS NOT NULL AND NEW.defaults_installed_at IS DISTINCT FROM OLD.defaults_installed_at THEN
    RAISE EXCEPTION 'the org''s defaults were installed at %; that is not changed', OLD.defaults_installed_at USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER ops_defaults_stay_installed BEFORE UPDATE OF defaults_installed_at ON mc.org_ops_settings
  FOR EACH ROW EXECUTE FUNCTION mc.ops_defaults_stay_installed();
