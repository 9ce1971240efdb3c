SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Who is acting is decided by the database, from the login the session authenticated as, never
-- from settings the workstation chooses (set_config) or fields it sends.
--
-- Every signed-in membership reaches the database through a login role of its own, mc_m_<hex>
-- (LOGIN NOINHERIT, member of mc_app, created by the app's owner connection at sign-in, org
-- creation or invitation acceptance). Its password is random, held only in the keychain of the
-- workstation that signed in. This table maps such a login to its membership; the helpers below
-- read it through session_user, which SET ROLE cannot change, so a transaction that sets
-- mc.org_id, mc.operator_id or mc.role to someone else's values changes nothing.
CREATE TABLE mc.member_logins (
  role_name   text PRIMARY KEY CHECK (role_name ~ '^mc_m_[0-9a-f]{24}$'),
  org_id      uuid NOT NULL,
  operator_id uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- Removing a membership removes its logins' mapping at once: their next statement sees nothing.
  FOREIGN KEY (org_id, operator_id) REFERENCES mc.memberships (org_id, operator_id) ON DELETE CASCADE
);
CREATE INDEX member_logins_membership_idx ON mc.member_logins (org_id, operator_id);

ALTER TABLE mc.member_logins ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.member_logins FORCE ROW LEVEL SECURITY;
-- A session sees only its own mapping row. (No policy may call mc.current_org_id() here: that
-- function reads this table.)
CREATE POLICY member_logins_self ON mc.member_logins FOR SELECT USING (role_name = session_user::text);
-- The migration user makes and removes logins (it holds CREATEROLE, which the app's roles never do).
CREATE POLICY member_logins_owner ON mc.member_logins TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON mc.member_logins TO mc_app, mc_definer;

-- The helpers stay plain STABLE SQL with no FROM at the top, so the planner inlines them and a
-- policy evaluates the lookup once per statement (an InitPlan), not once per row.
--   * a member login (mc_m_…): its membership, whatever the session settings say;
--   * any other session acting as mc_app (the installation's authenticator): no org at all, so
--     it can read and write nothing under RLS;
--   * everyone else (the migration user loading the seed, mc_definer inside the ingest function
--     for a node key's org): the transaction's setting, as before.
CREATE OR REPLACE FUNCTION mc.current_org_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (SELECT l.org_id FROM mc.member_logins l WHERE l.role_name = session_user::text)
      WHEN current_user::text = 'mc_app' THEN NULL::uuid
      ELSE nullif(current_setting('mc.org_id', true), '')::uuid
    END
  $$;

CREATE OR REPLACE FUNCTION mc.current_operator_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (SELECT l.operator_id FROM mc.member_logins l WHERE l.role_name = session_user::text)
      WHEN current_user::text = 'mc_app' THEN NULL::uuid
      ELSE nullif(current_setting('mc.operator_id', true), '')::uuid
    END
  $$;

-- The role is read from the membership on every statement, so a role change or a removal takes
-- effect on the member's very next statement, on every workstation.
CREATE OR REPLACE FUNCTION mc.current_app_role() RETURNS text
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
      WHEN session_user::text LIKE 'mc\_m\_%' THEN (
        SELECT m.role FROM mc.member_logins l JOIN mc.memberships m ON m.org_id = l.org_id AND m.operator_id = l.operator_id
         WHERE l.role_name = session_user::text)
      WHEN current_user::text = 'mc_app' THEN NULL::text
      ELSE nullif(current_setting('mc.role', true), '')
    END
  $$;

-- Who this session is, for the app to show: derived, never asked for by e-mail.
CREATE FUNCTION mc.whoami()
  RETURNS TABLE (operator_id uuid, display_name text, email text, org_id uuid, org_name text, role text)
  LANGUAGE sql STABLE
  AS $$
    SELECT o.id, o.display_name, o.email, g.id, g.name, m.role
      FROM mc.memberships m
      JOIN mc.operators o ON o.id = m.operator_id
      JOIN mc.orgs g ON g.id = m.org_id
     WHERE m.org_id = mc.current_org_id() AND m.operator_id = mc.current_operator_id()
  $$;
REVOKE ALL ON FUNCTION mc.whoami() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.whoami() TO mc_app;

-- The audit actor is the session's member, or the app itself (no id, no role: an alert rule, the
-- escalation clock). An event credited to another person, to another role, or under another
-- name is refused; the hash the app computed covers those fields, so it cannot be rewritten here.
DROP POLICY audit_events_append ON mc.audit_events;
CREATE POLICY audit_events_append ON mc.audit_events FOR INSERT
  WITH CHECK (
    org_id = mc.current_org_id() AND mc.can_write()
    AND (
      (actor_id = mc.current_operator_id() AND actor_role = mc.current_app_role()
        AND actor_name = (SELECT o.display_name FROM mc.operators o WHERE o.id = mc.current_operator_id()))
      OR (actor_id IS NULL AND actor_role IS NULL
        AND NOT EXISTS (SELECT 1 FROM mc.operators o JOIN mc.memberships m ON m.operator_id = o.id
                         WHERE m.org_id = mc.current_org_id() AND lower(o.display_name) = lower(actor_name)))
    )
  );
