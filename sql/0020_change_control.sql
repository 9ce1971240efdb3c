SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Change control: the deployment run ledger (with canary stages), feature flags, the records of
-- operators' SQL files applied through the migrations center, and the info alerts these raise.

-- Compatibility fix for older installs: their deployment_runs.version column was NOT NULL or had a
-- CHECK on it, which breaks inserts that (rightly) leave the legacy column empty. Wherever such a
-- table exists, the column is made optional and its CHECKs on version are dropped; nothing else of
-- that table is touched.
DO $$
DECLARE
  t record;
  c record;
BEGIN
  FOR t IN
    SELECT a.attrelid AS rel, a.attrelid::regclass AS name
      FROM pg_attribute a JOIN pg_class k ON k.oid = a.attrelid JOIN pg_namespace n ON n.oid = k.relnamespace
     WHERE k.relname = 'deployment_runs' AND k.relkind = 'r' AND a.attname = 'version' AND NOT a.attisdropped
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN version DROP NOT NULL', t.name);
    FOR c IN
      SELECT con.conname FROM pg_constraint con
       WHERE con.conrelid = t.rel AND con.contype = 'c'
         AND EXISTS (SELECT 1 FROM unnest(con.conkey) k(n) JOIN pg_attribute a ON a.attrelid = t.rel AND a.attnum = k.n WHERE a.attname = 'version')
    LOOP
      EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', t.name, c.conname);
    END LOOP;
  END LOOP;
END
$$;

CREATE TABLE mc.deployment_runs (
  id                uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id            uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  release_name      text NOT NULL CHECK (length(btrim(release_name)) BETWEEN 2 AND 120),
  environment       text NOT NULL CHECK (environment IN ('production', 'staging', 'scratch')),
  corridor_id       uuid,
  site_ids          uuid[] NOT NULL DEFAULT '{}',
  runtime_group     text CHECK (runtime_group IS NULL OR length(runtime_group) <= 80),
  status            text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'canary', 'succeeded', 'failed', 'rolled_back')),
  -- [{ "percent": 10, "windowMinutes": 15 }, …]; empty for a release without a canary.
  canary_stages     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(canary_stages) = 'array'),
  stage_index       integer CHECK (stage_index IS NULL OR stage_index >= 0),
  canary_percent    integer CHECK (canary_percent IS NULL OR canary_percent BETWEEN 0 AND 100),
  stage_started_at  timestamptz,
  rollback_required boolean NOT NULL DEFAULT false,
  failure_reason    text CHECK (failure_reason IS NULL OR length(failure_reason) <= 2000),
  rollback_plan     text NOT NULL DEFAULT '' CHECK (length(rollback_plan) <= 4000),
  evidence_uri      text CHECK (evidence_uri IS NULL OR length(evidence_uri) <= 2000),
  evidence_sha256   text CHECK (evidence_sha256 IS NULL OR evidence_sha256 ~ '^[0-9a-f]{64}$'),
  evidence_at       timestamptz,
  evidence_by       uuid REFERENCES mc.operators (id),
  -- Kept only for older installs' tools; never required, never shown.
  version           text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  created_by        uuid REFERENCES mc.operators (id),
  started_at        timestamptz,
  started_by        uuid REFERENCES mc.operators (id),
  finished_at       timestamptz,
  finished_by       uuid REFERENCES mc.operators (id),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  CHECK ((evidence_uri IS NULL) = (evidence_sha256 IS NULL)),
  FOREIGN KEY (org_id, corridor_id) REFERENCES mc.corridors (org_id, id)
);
CREATE INDEX deployment_runs_recent_idx ON mc.deployment_runs (org_id, created_at DESC);

CREATE TABLE mc.feature_flags (
  id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id       uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  key          text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_.-]{1,62}$'),
  description  text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  scope_kind   text NOT NULL CHECK (scope_kind IN ('org', 'corridor', 'customer')),
  scope_id     uuid,
  enabled      boolean NOT NULL,
  -- What a reader uses when it cannot read this flag: the kill-switch side.
  safe_default boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   uuid REFERENCES mc.operators (id),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  updated_by   uuid REFERENCES mc.operators (id),
  version      integer NOT NULL DEFAULT 1,
  CHECK ((scope_kind = 'org') = (scope_id IS NULL))
);
CREATE UNIQUE INDEX feature_flags_scope_key ON mc.feature_flags (org_id, key, scope_kind, coalesce(scope_id, '00000000-0000-0000-0000-000000000000'));

CREATE TABLE mc.migration_runs (
  id                uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id            uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  file_name         text NOT NULL CHECK (file_name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.sql$'),
  sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  byte_size         integer NOT NULL CHECK (byte_size > 0),
  sql_text          text NOT NULL,
  target_database   text NOT NULL,
  shared_database   boolean NOT NULL,
  lock_timeout_ms   integer NOT NULL CHECK (lock_timeout_ms BETWEEN 100 AND 600000),
  statement_timeout_ms integer NOT NULL CHECK (statement_timeout_ms BETWEEN 1000 AND 3600000),
  findings          jsonb NOT NULL DEFAULT '[]',
  statements        jsonb NOT NULL DEFAULT '[]',
  status            text NOT NULL DEFAULT 'checked' CHECK (status IN ('checked', 'applied', 'failed')),
  error             text CHECK (error IS NULL OR length(error) <= 4000),
  error_line        integer,
  duration_ms       integer,
  created_at        timestamptz NOT NULL DEFAULT now(),
  created_by        uuid NOT NULL REFERENCES mc.operators (id),
  approved_at       timestamptz,
  approved_by       uuid REFERENCES mc.operators (id),
  applied_at        timestamptz,
  applied_by        uuid REFERENCES mc.operators (id),
  evidence_uri      text,
  -- The second admin is a second person.
  CHECK (approved_by IS NULL OR approved_by <> created_by)
);
CREATE INDEX migration_runs_recent_idx ON mc.migration_runs (org_id, created_at DESC);
CREATE INDEX migration_runs_name_idx ON mc.migration_runs (org_id, file_name);

-- Info alerts of change control ("new deploy started", "canary percentage increased", "feature
-- flag changed"): a feed beside the audit chain, which stays the record.
CREATE TABLE mc.change_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL DEFAULT now(),
  kind        text NOT NULL CHECK (kind IN ('deploy.started', 'canary.promoted', 'canary.held', 'canary.aborted', 'deploy.finished', 'deploy.rolled_back',
                                             'flag.changed', 'migration.applied', 'migration.failed')),
  severity    text NOT NULL DEFAULT 'info' CHECK (severity IN ('info', 'warning', 'critical')),
  subject_id  uuid,
  message     text NOT NULL CHECK (length(message) <= 500),
  actor_id    uuid REFERENCES mc.operators (id)
);
CREATE INDEX change_events_recent_idx ON mc.change_events (org_id, at DESC);

ALTER TABLE mc.deployment_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.deployment_runs FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.feature_flags ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.feature_flags FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.migration_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.migration_runs FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.change_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.change_events FORCE ROW LEVEL SECURITY;

CREATE POLICY deployment_runs_read ON mc.deployment_runs FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY deployment_runs_insert ON mc.deployment_runs FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY deployment_runs_update ON mc.deployment_runs FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY feature_flags_read ON mc.feature_flags FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY feature_flags_insert ON mc.feature_flags FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY feature_flags_update ON mc.feature_flags FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY feature_flags_delete ON mc.feature_flags FOR DELETE USING (org_id = mc.current_org_id() AND mc.can_write());

-- Applying SQL to the database is an admin's act, in the database too.
CREATE POLICY migration_runs_read ON mc.migration_runs FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY migration_runs_insert ON mc.migration_runs FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY migration_runs_update ON mc.migration_runs FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());

CREATE POLICY change_events_read ON mc.change_events FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY change_events_insert ON mc.change_events FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

GRANT SELECT, INSERT ON mc.deployment_runs TO mc_app;
GRANT UPDATE (status, stage_index, canary_percent, stage_started_at, rollback_required, failure_reason, rollback_plan, evidence_uri, evidence_sha256,
              evidence_at, evidence_by, started_at, started_by, finished_at, finished_by, updated_at)
  ON mc.deployment_runs TO mc_app;
GRANT SELECT, INSERT, DELETE ON mc.feature_flags TO mc_app;
GRANT UPDATE (description, enabled, safe_default, updated_at, updated_by, version) ON mc.feature_flags TO mc_app;
GRANT SELECT, INSERT ON mc.migration_runs TO mc_app;
GRANT UPDATE (status, error, error_line, duration_ms, approved_at, approved_by, applied_at, applied_by, evidence_uri) ON mc.migration_runs TO mc_app;
GRANT SELECT, INSERT ON mc.change_events TO mc_app;

CREATE TRIGGER deployment_runs_notify AFTER INSERT OR UPDATE ON mc.deployment_runs
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('deployments.changed');
CREATE TRIGGER feature_flags_notify AFTER INSERT OR UPDATE OR DELETE ON mc.feature_flags
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('flags.changed');
CREATE TRIGGER migration_runs_notify AFTER INSERT OR UPDATE ON mc.migration_runs
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('migrations.changed');
