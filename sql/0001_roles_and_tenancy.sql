SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Roles, schema, session helpers, orgs, operators and memberships.
--
-- Roles are cluster-wide, so they are created only when missing (several databases on one server,
-- e.g. tests, share them). None of them can log in:
--   mc_app      what the app's queries run as (SET LOCAL ROLE per transaction); RLS applies to it.
--   mc_definer  owns the few SECURITY DEFINER functions that must look across orgs (resolving who
--               an operator is, locking an org's audit head); it sees rows only through policies
--               written for it, never by bypassing RLS.
-- The app logs in through a per-installation authenticator role (NOINHERIT, member of mc_app),
-- created by the app itself, so its own privileges are nil even if a session resets its role.
-- Another database on the same server may be creating them at this very moment (roles are not
-- covered by the per-database migration lock), so losing that race is not an error.
DO $$
BEGIN
  BEGIN
    CREATE ROLE mc_app NOLOGIN NOINHERIT NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    CREATE ROLE mc_definer NOLOGIN NOINHERIT NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END
$$;

-- The migration user must be able to hand functions to mc_definer and SET ROLE mc_app (seed).
GRANT mc_definer TO CURRENT_USER;
GRANT mc_app TO CURRENT_USER;

-- The app reads the migration ledger (Connections screen, /healthz); it never writes it.
GRANT USAGE ON SCHEMA mc_meta TO mc_app;
GRANT SELECT ON mc_meta.migrations TO mc_app;

CREATE SCHEMA IF NOT EXISTS mc;
REVOKE ALL ON SCHEMA mc FROM PUBLIC;
GRANT USAGE ON SCHEMA mc TO mc_app, mc_definer;
-- Needed only so the migration user may hand SECURITY DEFINER functions to mc_definer (ALTER ... OWNER).
GRANT CREATE ON SCHEMA mc TO mc_definer;

-- Session context, set per transaction by the app with set_config(..., true).
CREATE FUNCTION mc.current_org_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('mc.org_id', true), '')::uuid $$;

CREATE FUNCTION mc.current_operator_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('mc.operator_id', true), '')::uuid $$;

CREATE FUNCTION mc.current_app_role() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('mc.role', true), '') $$;

-- Defence in depth: the router already refuses auditors' commands; the policies refuse them too.
CREATE FUNCTION mc.can_write() RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(mc.current_app_role() IN ('admin', 'operator', 'incident_commander'), false) $$;

CREATE FUNCTION mc.is_admin() RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(mc.current_app_role() = 'admin', false) $$;

GRANT EXECUTE ON FUNCTION mc.current_org_id(), mc.current_operator_id(), mc.current_app_role(), mc.can_write(), mc.is_admin()
  TO mc_app, mc_definer;

CREATE TABLE mc.orgs (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mc.operators (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email        text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operators_email_key ON mc.operators (lower(email));

CREATE TABLE mc.memberships (
  org_id      uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  operator_id uuid NOT NULL REFERENCES mc.operators (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('admin', 'operator', 'incident_commander', 'auditor')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, operator_id)
);
CREATE INDEX memberships_operator_idx ON mc.memberships (operator_id);

ALTER TABLE mc.orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.orgs FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.operators ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.operators FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.memberships FORCE ROW LEVEL SECURITY;

CREATE POLICY orgs_own ON mc.orgs
  USING (id = mc.current_org_id())
  WITH CHECK (id = mc.current_org_id() AND mc.is_admin());

CREATE POLICY memberships_own_org ON mc.memberships
  USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());

-- Operators are people, not tenant rows: an org sees the people who are its members.
CREATE POLICY operators_members ON mc.operators FOR SELECT
  USING (EXISTS (SELECT 1 FROM mc.memberships m WHERE m.operator_id = operators.id AND m.org_id = mc.current_org_id()));
-- An org admin may add a person (the membership that makes them visible follows in the same transaction).
CREATE POLICY operators_admin_insert ON mc.operators FOR INSERT
  WITH CHECK (mc.is_admin());

-- What mc_definer may read to resolve a session.
CREATE POLICY orgs_definer ON mc.orgs FOR SELECT TO mc_definer USING (true);
CREATE POLICY operators_definer ON mc.operators FOR SELECT TO mc_definer USING (true);
CREATE POLICY memberships_definer ON mc.memberships FOR SELECT TO mc_definer USING (true);

GRANT SELECT ON mc.orgs, mc.operators, mc.memberships TO mc_app, mc_definer;
GRANT INSERT ON mc.operators, mc.memberships TO mc_app;

-- Which orgs and roles an e-mail address has: the one question asked before any org is chosen.
CREATE FUNCTION mc.resolve_operator(p_email text)
  RETURNS TABLE (operator_id uuid, display_name text, email text, org_id uuid, org_name text, role text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT o.id, o.display_name, o.email, g.id, g.name, m.role
      FROM mc.operators o
      JOIN mc.memberships m ON m.operator_id = o.id
      JOIN mc.orgs g ON g.id = m.org_id
     WHERE lower(o.email) = lower(p_email)
     ORDER BY g.name, g.id
  $$;
ALTER FUNCTION mc.resolve_operator(text) OWNER TO mc_definer;
REVOKE ALL ON FUNCTION mc.resolve_operator(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.resolve_operator(text) TO mc_app;

-- Live updates: one channel, payload carries only topic, org and row id. NOTIFY is not filtered
-- by RLS, so nothing else may travel in it; listeners re-read rows under their own org.
CREATE FUNCTION mc.notify_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    r record := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  BEGIN
    PERFORM pg_notify('mc_events', json_build_object('topic', TG_ARGV[0], 'org_id', r.org_id, 'id', r.id)::text);
    RETURN NULL;
  END
  $$;
