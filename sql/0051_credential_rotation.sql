SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Rotate all credentials (issue 16): a rotation run and one row per credential it covers, in the
-- documented order (sessions → signing keys → database roles → API and ingest keys → node keys).
-- Each credential is rotated in its own step: the new one is verified before the old one is
-- retired, and the row says where it stands, so a run that stops part-way leaves every
-- credential old-and-working or new-and-verified, and resuming continues at the first row not
-- finished. No secret is ever stored here: rows name credentials by id, prefix or fingerprint.
CREATE TABLE mc.credential_rotation_runs (
  id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id       uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  mode         text NOT NULL CHECK (mode IN ('compromise', 'scheduled')),
  -- Scheduled mode: how long replaced keys keep working; compromise mode has none.
  grace_hours  integer NOT NULL CHECK (grace_hours BETWEEN 0 AND 720),
  state        text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'cancelled', 'failed', 'done', 'closed')),
  reason       text CHECK (reason IS NULL OR length(reason) <= 2000),
  stop_reason  text CHECK (stop_reason IS NULL OR length(stop_reason) <= 2000),
  started_by   uuid REFERENCES mc.operators (id),
  started_at   timestamptz NOT NULL DEFAULT now(),
  ended_at     timestamptz,
  UNIQUE (org_id, id),
  CHECK ((mode = 'compromise') <= (grace_hours = 0)),
  CHECK ((state IN ('done', 'closed')) = (ended_at IS NOT NULL))
);
CREATE INDEX credential_rotation_runs_started_idx ON mc.credential_rotation_runs (org_id, started_at DESC);
-- One run at a time per org: a second "rotate all" while one is unfinished would race it.
CREATE UNIQUE INDEX credential_rotation_runs_one_open ON mc.credential_rotation_runs (org_id) WHERE state IN ('running', 'cancelled', 'failed');

CREATE TABLE mc.credential_rotation_items (
  id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id       uuid NOT NULL,
  run_id       uuid NOT NULL,
  position     integer NOT NULL CHECK (position >= 1),
  -- 1 sessions, 2 signing keys, 3 database roles, 4 API and ingest keys (and secrets held elsewhere), 5 node keys.
  stage        smallint NOT NULL CHECK (stage BETWEEN 1 AND 5),
  kind         text NOT NULL CHECK (kind IN ('session', 'signing_key', 'database_role', 'ingest_login', 'customer_key',
                                             'runtime_credential', 'notify_secret', 'node_key')),
  ref          text NOT NULL CHECK (length(ref) BETWEEN 1 AND 200),
  label        text NOT NULL CHECK (length(label) <= 300),
  owner        text NOT NULL CHECK (length(owner) <= 300),
  old_ref      text CHECK (old_ref IS NULL OR length(old_ref) <= 200),
  new_ref      text CHECK (new_ref IS NULL OR length(new_ref) <= 200),
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rotated', 'failed', 'manual', 'skipped')),
  -- Why it failed, was skipped or needs a person; or what was verified.
  detail       text CHECK (detail IS NULL OR length(detail) <= 2000),
  -- What an operator must still do (deliver a node key, change a secret at its holder).
  action       text CHECK (action IS NULL OR length(action) <= 2000),
  verified_at  timestamptz,
  finished_at  timestamptz,
  -- A new key whose secret is held in this workstation's keychain until an operator reveals it once.
  delivery     text NOT NULL DEFAULT 'none' CHECK (delivery IN ('none', 'held', 'revealed', 'lost')),
  UNIQUE (run_id, position),
  FOREIGN KEY (org_id, run_id) REFERENCES mc.credential_rotation_runs (org_id, id) ON DELETE CASCADE,
  CHECK ((state = 'rotated') = (verified_at IS NOT NULL)),
  CHECK ((state = 'pending') = (finished_at IS NULL))
);
CREATE INDEX credential_rotation_items_run_idx ON mc.credential_rotation_items (org_id, run_id, position);

ALTER TABLE mc.credential_rotation_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.credential_rotation_runs FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.credential_rotation_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.credential_rotation_items FORCE ROW LEVEL SECURITY;

-- The org reads its runs (auditors included); only admins rotate (it issues keys and ends sessions).
CREATE POLICY credential_rotation_runs_read ON mc.credential_rotation_runs FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY credential_rotation_runs_insert ON mc.credential_rotation_runs FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY credential_rotation_runs_update ON mc.credential_rotation_runs FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY credential_rotation_items_read ON mc.credential_rotation_items FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY credential_rotation_items_insert ON mc.credential_rotation_items FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY credential_rotation_items_update ON mc.credential_rotation_items FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());

-- No DELETE: a run stays on the record.
GRANT SELECT, INSERT ON mc.credential_rotation_runs, mc.credential_rotation_items TO mc_app;
GRANT UPDATE (state, stop_reason, ended_at) ON mc.credential_rotation_runs TO mc_app;
GRANT UPDATE (state, detail, action, old_ref, new_ref, verified_at, finished_at, delivery) ON mc.credential_rotation_items TO mc_app;

-- Whether a key would be accepted now, by the same rules the ingest door and the gateway apply,
-- without recording a use (a verification is not the node or customer switching). By the hash of
-- a presented key (the new one, whose secret the app holds for a moment) or by key id (an old
-- key, whose secret nobody has). Org-scoped: another org's key reads as 'invalid'.
GRANT CREATE ON SCHEMA mc TO mc_definer;
CREATE FUNCTION mc.credential_key_standing(p_kind text, p_key uuid, p_hash bytea) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    k record;
  BEGIN
    IF p_kind = 'node_key' THEN
      SELECT nk.revoked_at, nk.expires_at, nk.superseded_by, nk.grace_until, n.lifecycle INTO k
        FROM mc.node_keys nk JOIN mc.nodes n ON n.org_id = nk.org_id AND n.id = nk.node_id
       WHERE nk.org_id = mc.current_org_id() AND (nk.id = p_key OR nk.key_hash = p_hash);
    ELSIF p_kind = 'customer_key' THEN
      SELECT c.revoked_at, c.expires_at, c.superseded_by, c.grace_until, 'active'::text AS lifecycle INTO k
        FROM mc.customer_keys c
       WHERE c.org_id = mc.current_org_id() AND (c.id = p_key OR c.key_hash = p_hash);
    ELSE
      RAISE EXCEPTION 'unknown key kind %', p_kind USING ERRCODE = '22023';
    END IF;
    IF NOT FOUND THEN
      RETURN 'invalid';
    END IF;
    RETURN CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
                WHEN k.superseded_by IS NOT NULL AND k.grace_until <= now() THEN 'rotated_out'
                WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired'
                WHEN k.lifecycle = 'retired' THEN 'node_retired'
                ELSE 'ok' END;
  END
  $$;
ALTER FUNCTION mc.credential_key_standing(text, uuid, bytea) OWNER TO mc_definer;

-- The org's signed-in sessions (member logins) for the inventory: an admin's view, as the access review's.
CREATE FUNCTION mc.credential_sessions()
  RETURNS TABLE (role_name text, operator_id uuid, created_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT l.role_name, l.operator_id, l.created_at
      FROM mc.member_logins l
     WHERE l.org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'auditor')
     ORDER BY l.created_at
  $$;
ALTER FUNCTION mc.credential_sessions() OWNER TO mc_definer;
REVOKE CREATE ON SCHEMA mc FROM mc_definer;
REVOKE ALL ON FUNCTION mc.credential_key_standing(text, uuid, bytea), mc.credential_sessions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.credential_key_standing(text, uuid, bytea), mc.credential_sessions() TO mc_app;
