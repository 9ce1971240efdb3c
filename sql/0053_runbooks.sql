SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- In-app runbooks (issue 16): per-org Markdown procedures with step markers (docs/formats.md),
-- seeded from resources/runbooks/, edited by admins. Every save is a new version; the runbook row
-- only names its current one. A run follows one version from an incident, and each step an
-- operator records (done, or skipped with a reason, with the facts as seen) is a row here and an
-- entry on the incident's timeline, both pointing at the audit event that proves them.
CREATE TABLE mc.runbooks (
  id              uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id          uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  -- The built-in runbooks' file name (system-down, …); custom ones are not made yet.
  key             text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  builtin         boolean NOT NULL DEFAULT false,
  current_version integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  updated_by      uuid REFERENCES mc.operators (id),
  UNIQUE (org_id, key),
  UNIQUE (org_id, id)
);

CREATE TABLE mc.runbook_versions (
  org_id          uuid NOT NULL,
  runbook_id      uuid NOT NULL,
  version         integer NOT NULL CHECK (version >= 1),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body            text NOT NULL CHECK (octet_length(body) <= 65536),
  -- Which version this one restored, when it was a restore.
  restored_from   integer CHECK (restored_from IS NULL OR restored_from >= 1),
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      uuid REFERENCES mc.operators (id),
  created_by_name text NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 200),
  audit_seq       bigint NOT NULL,
  PRIMARY KEY (runbook_id, version),
  FOREIGN KEY (org_id, runbook_id) REFERENCES mc.runbooks (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq)
);

-- A runbook followed from an incident: it names the version it follows, so a later edit never
-- changes what the steps on the timeline meant.
CREATE TABLE mc.runbook_runs (
  id              uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id          uuid NOT NULL,
  runbook_id      uuid NOT NULL,
  version         integer NOT NULL,
  incident_id     uuid NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  started_by      uuid REFERENCES mc.operators (id),
  started_by_name text NOT NULL CHECK (length(started_by_name) BETWEEN 1 AND 200),
  audit_seq       bigint NOT NULL,
  UNIQUE (org_id, id),
  FOREIGN KEY (runbook_id, version) REFERENCES mc.runbook_versions (runbook_id, version),
  FOREIGN KEY (org_id, incident_id) REFERENCES mc.incidents (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq)
);
CREATE INDEX runbook_runs_incident_idx ON mc.runbook_runs (org_id, incident_id, started_at);
CREATE INDEX runbook_runs_version_idx ON mc.runbook_runs (runbook_id, version);

CREATE TABLE mc.runbook_step_records (
  org_id     uuid NOT NULL,
  run_id     uuid NOT NULL,
  step_id    text NOT NULL CHECK (step_id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  outcome    text NOT NULL CHECK (outcome IN ('done', 'skipped')),
  reason     text CHECK (reason IS NULL OR length(reason) BETWEEN 3 AND 2000),
  -- The facts the step showed when it was recorded (computed by the app, never typed).
  facts      jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(facts) = 'array'),
  at         timestamptz NOT NULL DEFAULT now(),
  actor_id   uuid REFERENCES mc.operators (id),
  actor_name text NOT NULL CHECK (length(actor_name) BETWEEN 1 AND 200),
  audit_seq  bigint NOT NULL,
  PRIMARY KEY (run_id, step_id),
  FOREIGN KEY (org_id, run_id) REFERENCES mc.runbook_runs (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq),
  CHECK (outcome = 'done' OR reason IS NOT NULL)
);

-- Versions, runs and step records are the record: never changed once written.
CREATE TRIGGER runbook_versions_append_only BEFORE UPDATE ON mc.runbook_versions
  FOR EACH ROW EXECUTE FUNCTION mc.refuse_change();
CREATE TRIGGER runbook_runs_append_only BEFORE UPDATE ON mc.runbook_runs
  FOR EACH ROW EXECUTE FUNCTION mc.refuse_change();
CREATE TRIGGER runbook_step_records_append_only BEFORE UPDATE ON mc.runbook_step_records
  FOR EACH ROW EXECUTE FUNCTION mc.refuse_change();

ALTER TABLE mc.runbooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.runbooks FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.runbook_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.runbook_versions FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.runbook_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.runbook_runs FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.runbook_step_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.runbook_step_records FORCE ROW LEVEL SECURITY;

-- Everyone in the org reads runbooks and runs. Admins write runbooks and their versions (the
-- built-ins are installed by a writer's workstation the first time it connects, as the app: the
-- insert policy lets every writer add a built-in at version 1 and nothing else). Writers follow
-- them from incidents.
CREATE POLICY runbooks_read ON mc.runbooks FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY runbooks_insert ON mc.runbooks FOR INSERT
  WITH CHECK (org_id = mc.current_org_id()
              AND (mc.current_app_role() = 'admin'
                   OR (mc.current_app_role() IN ('operator', 'incident_commander') AND builtin AND current_version = 1)));
CREATE POLICY runbooks_update ON mc.runbooks FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.current_app_role() = 'admin');
CREATE POLICY runbook_versions_read ON mc.runbook_versions FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY runbook_versions_insert ON mc.runbook_versions FOR INSERT
  WITH CHECK (org_id = mc.current_org_id()
              AND (mc.current_app_role() = 'admin' OR (mc.current_app_role() IN ('operator', 'incident_commander') AND version = 1)));
CREATE POLICY runbook_runs_read ON mc.runbook_runs FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY runbook_runs_insert ON mc.runbook_runs FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'operator', 'incident_commander'));
CREATE POLICY runbook_step_records_read ON mc.runbook_step_records FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY runbook_step_records_insert ON mc.runbook_step_records FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'operator', 'incident_commander'));

-- No DELETE anywhere: a runbook and what was done with it stay on the record.
GRANT SELECT, INSERT ON mc.runbooks, mc.runbook_versions, mc.runbook_runs, mc.runbook_step_records TO mc_app;
GRANT UPDATE (title, current_version, updated_at, updated_by) ON mc.runbooks TO mc_app;

-- Following a runbook and recording its steps are incident timeline entries. The new list is a
-- superset of the old one, so every existing row satisfies it (NOT VALID: nothing to prove).
ALTER TABLE mc.incident_events DROP CONSTRAINT incident_events_kind_check;
ALTER TABLE mc.incident_events ADD CONSTRAINT incident_events_kind_check
  CHECK (kind IN ('opened', 'transition', 'acknowledged', 'ack_expired', 'note', 'severity_changed',
                  'commander_assigned', 'commander_handover', 'commander_released', 'affected_added',
                  'affected_removed', 'alert_linked', 'alert_resolved', 'alert_fired', 'escalated', 'policy_changed',
                  'merged_into', 'merged_from', 'review_updated', 'runbook_followed', 'runbook_step')) NOT VALID;
