SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- The append-only, hash-chained audit log. One chain per org:
--   hash = sha256(prev_hash || canonical_json(body))   (RFC 8785 canonical JSON; docs/formats.md)
-- The app computes the hash; the database guarantees the chain cannot fork (each insert must link
-- to the current head, under the head's row lock) and cannot be edited (no UPDATE/DELETE/TRUNCATE).

CREATE TABLE mc.audit_heads (
  org_id     uuid PRIMARY KEY REFERENCES mc.orgs (id) ON DELETE CASCADE,
  seq        bigint NOT NULL CHECK (seq >= 0),
  hash       text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mc.audit_events (
  org_id      uuid NOT NULL REFERENCES mc.orgs (id),
  seq         bigint NOT NULL CHECK (seq >= 1),
  id          uuid NOT NULL UNIQUE,
  at          timestamptz NOT NULL,
  actor_id    uuid,
  actor_name  text NOT NULL,
  actor_role  text,
  action      text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-zA-Z0-9_]*)+$'),
  target_type text NOT NULL,
  target_id   text,
  reason      text,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
  request_id  text,
  prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash        text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_events_target_idx ON mc.audit_events (org_id, target_type, target_id);

ALTER TABLE mc.audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.audit_heads FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.audit_events FORCE ROW LEVEL SECURITY;

CREATE POLICY audit_heads_own_org ON mc.audit_heads FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY audit_heads_definer ON mc.audit_heads TO mc_definer
  USING (org_id = mc.current_org_id()) WITH CHECK (org_id = mc.current_org_id());

CREATE POLICY audit_events_read ON mc.audit_events FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY audit_events_append ON mc.audit_events FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

GRANT SELECT ON mc.audit_heads TO mc_app;
GRANT SELECT, INSERT, UPDATE ON mc.audit_heads TO mc_definer;
GRANT SELECT, INSERT ON mc.audit_events TO mc_app;

-- Lock the current org's head until the transaction ends and return it; the app hashes against it.
CREATE FUNCTION mc.audit_lock_head(OUT seq bigint, OUT hash text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_org uuid := mc.current_org_id();
  BEGIN
    IF v_org IS NULL THEN
      RAISE EXCEPTION 'no org is selected for this transaction' USING ERRCODE = '42501';
    END IF;
    INSERT INTO mc.audit_heads (org_id, seq, hash) VALUES (v_org, 0, repeat('0', 64))
      ON CONFLICT (org_id) DO NOTHING;
    SELECT h.seq, h.hash INTO seq, hash FROM mc.audit_heads h WHERE h.org_id = v_org FOR UPDATE;
  END
  $$;
ALTER FUNCTION mc.audit_lock_head() OWNER TO mc_definer;
REVOKE ALL ON FUNCTION mc.audit_lock_head() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mc.audit_lock_head() TO mc_app;

-- Every insert must extend the head it links to; the head moves with it.
CREATE FUNCTION mc.audit_events_link() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    h record;
  BEGIN
    INSERT INTO mc.audit_heads (org_id, seq, hash) VALUES (NEW.org_id, 0, repeat('0', 64))
      ON CONFLICT (org_id) DO NOTHING;
    SELECT seq, hash INTO h FROM mc.audit_heads WHERE org_id = NEW.org_id FOR UPDATE;
    IF NEW.seq <> h.seq + 1 OR NEW.prev_hash <> h.hash THEN
      RAISE EXCEPTION 'audit chain moved on (head is #%); retry', h.seq USING ERRCODE = '40001';
    END IF;
    UPDATE mc.audit_heads SET seq = NEW.seq, hash = NEW.hash, updated_at = now() WHERE org_id = NEW.org_id;
    RETURN NEW;
  END
  $$;
ALTER FUNCTION mc.audit_events_link() OWNER TO mc_definer;

CREATE TRIGGER audit_events_link BEFORE INSERT ON mc.audit_events
  FOR EACH ROW EXECUTE FUNCTION mc.audit_events_link();

CREATE FUNCTION mc.audit_events_immutable() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = '42501';
  END
  $$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON mc.audit_events
  FOR EACH ROW EXECUTE FUNCTION mc.audit_events_immutable();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON mc.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION mc.audit_events_immutable();

CREATE TRIGGER audit_events_notify AFTER INSERT ON mc.audit_events
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('audit.appended');
