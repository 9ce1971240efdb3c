SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Member management: an admin changes a member's role, suspends (and reinstates) or removes them,
-- and the member's sessions end at once, on every workstation, because the database reads the
-- membership on every statement (sql/0017).
--
--   * Suspended: mc.memberships.suspended_at is set. The current_* helpers below give a login of a
--     suspended membership no org, no operator and no role, so its next statement sees and writes
--     nothing under RLS (the same as the installation's authenticator).
--   * Removed: the membership row goes; its mc.member_logins rows go with it (ON DELETE CASCADE),
--     so the helpers find nothing for that login. The workstation that holds the owner connection
--     also drops the login role itself.
--   * Role changed: current_app_role() reads the membership, so the new role holds from the next
--     statement.
--   * An org always keeps one active admin: removing, demoting or suspending the last one is
--     refused here (and by the service first, with the same words).

ALTER TABLE mc.memberships ADD COLUMN suspended_at timestamptz;

-- Which membership a member login maps to, suspended or not. Only the memberships policy uses it:
-- that policy cannot call current_org_id(), which now reads memberships itself.
CREATE FUNCTION mc.login_org_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (SELECT l.org_id FROM mc.member_logins l WHERE l.role_name = session_user::text)
      WHEN current_user::text = 'mc_app' THEN NULL::uuid
      ELSE nullif(current_setting('mc.org_id', true), '')::uuid
    END
  $$;
GRANT EXECUTE ON FUNCTION mc.login_org_id() TO mc_app, mc_definer;

-- Same shape as sql/0017 (plain STABLE SQL, no FROM at the top), plus "and the membership is not
-- suspended". A removed membership has no mapping row left, so it falls out the same way.
CREATE OR REPLACE FUNCTION mc.current_org_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (
        SELECT l.org_id FROM mc.member_logins l JOIN mc.memberships m ON m.org_id = l.org_id AND m.operator_id = l.operator_id
         WHERE l.role_name = session_user::text AND m.suspended_at IS NULL)
      WHEN current_user::text = 'mc_app' THEN NULL::uuid
      ELSE nullif(current_setting('mc.org_id', true), '')::uuid
    END
  $$;

CREATE OR REPLACE FUNCTION mc.current_operator_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (
        SELECT l.operator_id FROM mc.member_logins l JOIN mc.memberships m ON m.org_id = l.org_id AND m.operator_id = l.operator_id
         WHERE l.role_name = session_user::text AND m.suspended_at IS NULL)
      WHEN current_user::text = 'mc_app' THEN NULL::uuid
      ELSE nullif(current_setting('mc.operator_id', true), '')::uuid
    END
  $$;

CREATE OR REPLACE FUNCTION mc.current_app_role() RETURNS text
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (
        SELECT m.role FROM mc.member_logins l JOIN mc.memberships m ON m.org_id = l.org_id AND m.operator_id = l.operator_id
         WHERE l.role_name = session_user::text AND m.suspended_at IS NULL)
      WHEN current_user::text = 'mc_app' THEN NULL::text
      ELSE nullif(current_setting('mc.role', true), '')
    END
  $$;

-- Memberships, one policy per command. Reading goes through login_org_id() (not current_org_id(),
-- which reads this table: that would recurse). A suspended login can therefore still count its
-- org's membership rows (ids and roles; no names, which live in mc.operators under
-- current_org_id()), and nothing else; docs/security.md says so. Every change needs an active admin.
DROP POLICY memberships_own_org ON mc.memberships;
CREATE POLICY memberships_read ON mc.memberships FOR SELECT USING (org_id = mc.login_org_id());
CREATE POLICY memberships_insert ON mc.memberships FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY memberships_update ON mc.memberships FOR UPDATE
  USING (org_id = mc.current_org_id() AND mc.is_admin())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY memberships_delete ON mc.memberships FOR DELETE USING (org_id = mc.current_org_id() AND mc.is_admin());
-- Role and suspension only: the org and the person of a membership never change.
GRANT UPDATE (role, suspended_at) ON mc.memberships TO mc_app;
GRANT DELETE ON mc.memberships TO mc_app;

-- The last active admin stays. Runs as mc_definer so it sees the whole org whoever changes it (an
-- admin's login, or the owner), and takes a per-org lock so two admins demoting each other at the
-- same moment cannot both pass: the second waits, then counts again with the first committed.
-- ALTER FUNCTION ... OWNER asks CREATE on the schema of the new owner (0014): granted around the
-- three definer functions below and taken back after them.
GRANT CREATE ON SCHEMA mc TO mc_definer;

CREATE FUNCTION mc.memberships_keep_admin_lock() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('mc.memberships.admins:' || OLD.org_id::text, 0));
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END
  $$;
ALTER FUNCTION mc.memberships_keep_admin_lock() OWNER TO mc_definer;
REVOKE ALL ON FUNCTION mc.memberships_keep_admin_lock() FROM PUBLIC;

CREATE FUNCTION mc.memberships_keep_admin() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    IF OLD.role <> 'admin' OR OLD.suspended_at IS NOT NULL THEN RETURN NULL; END IF;
    -- The org itself is going (its memberships cascade): nothing to keep.
    IF NOT EXISTS (SELECT 1 FROM mc.orgs g WHERE g.id = OLD.org_id) THEN RETURN NULL; END IF;
    IF NOT EXISTS (SELECT 1 FROM mc.memberships m WHERE m.org_id = OLD.org_id AND m.role = 'admin' AND m.suspended_at IS NULL) THEN
      RAISE EXCEPTION USING ERRCODE = 'UECFL',
        MESSAGE = 'This is the org''s last active admin: make another member admin first, then '
          || CASE TG_OP WHEN 'DELETE' THEN 'remove' ELSE 'change' END || ' this one.';
    END IF;
    RETURN NULL;
  END
  $$;
ALTER FUNCTION mc.memberships_keep_admin() OWNER TO mc_definer;
REVOKE ALL ON FUNCTION mc.memberships_keep_admin() FROM PUBLIC;

CREATE TRIGGER memberships_keep_admin_lock BEFORE UPDATE OF role, suspended_at OR DELETE ON mc.memberships
  FOR EACH ROW EXECUTE FUNCTION mc.memberships_keep_admin_lock();
CREATE TRIGGER memberships_keep_admin AFTER UPDATE OF role, suspended_at OR DELETE ON mc.memberships
  FOR EACH ROW EXECUTE FUNCTION mc.memberships_keep_admin();

-- Access review: when each member's logins were last made (a sign-in makes one). Members see their
-- own mapping only (sql/0017); an admin reviewing access needs the org's, through this function.
CREATE FUNCTION mc.member_last_sign_in()
  RETURNS TABLE (operator_id uuid, last_sign_in timestamptz, logins integer)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT l.operator_id, max(l.created_at), count(*)::int
      FROM mc.member_logins l
     WHERE l.org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'auditor')
     GROUP BY l.operator_id
  $$;
CREATE POLICY member_logins_definer ON mc.member_logins FOR SELECT TO mc_definer USING (true);
ALTER FUNCTION mc.member_last_sign_in() OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.member_last_sign_in() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.member_last_sign_in() TO mc_app;
