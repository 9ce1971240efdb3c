SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Checklist runs and readiness gates (one model: a gate set is a run whose items have owners and
-- decide something), customer pilots, and the readiness of corridors and pilots, which cannot
-- become ready while a gate is open.

CREATE TABLE mc.pilots (
  id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id        uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  customer_name text NOT NULL CHECK (length(btrim(customer_name)) BETWEEN 2 AND 200),
  tier          text NOT NULL DEFAULT 'pilot' CHECK (tier IN ('pilot', 'enterprise', 'sovereign')),
  corridor_id   uuid NOT NULL,
  readiness     text NOT NULL DEFAULT 'preparing' CHECK (readiness IN ('preparing', 'ready', 'live')),
  owner_id      uuid REFERENCES mc.operators (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    uuid REFERENCES mc.operators (id),
  FOREIGN KEY (org_id, corridor_id) REFERENCES mc.corridors (org_id, id),
  UNIQUE (org_id, customer_name),
  UNIQUE (org_id, id)
);

ALTER TABLE mc.corridors ADD COLUMN readiness text NOT NULL DEFAULT 'preparing' CHECK (readiness IN ('preparing', 'ready', 'live'));
GRANT UPDATE (readiness) ON mc.corridors TO mc_app;

CREATE TABLE mc.checklist_runs (
  id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id        uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  template_key  text NOT NULL CHECK (template_key IN ('daily', 'weekly', 'monthly', 'site_safety', 'post_deployment', 'corridor_rollout', 'pilot_acceptance')),
  kind          text NOT NULL CHECK (kind IN ('checklist', 'gates')),
  title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  subject_type  text NOT NULL CHECK (subject_type IN ('org', 'corridor', 'site', 'pilot')),
  subject_id    uuid,
  -- The day, ISO week or month a recurring checklist covers ("2026-11-22", "2026-W47", "2026-11").
  period        text CHECK (period ~ '^\d{4}(-\d{2}(-\d{2})?|-W\d{2})$'),
  started_by    uuid REFERENCES mc.operators (id),
  started_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  outcome       text CHECK (outcome IN ('passed', 'failed')),
  CHECK ((subject_type = 'org') = (subject_id IS NULL)),
  CHECK ((completed_at IS NULL) = (outcome IS NULL)),
  UNIQUE (org_id, id)
);
-- One run per period of a recurring checklist, and one gate set per corridor or pilot.
CREATE UNIQUE INDEX checklist_runs_period_key ON mc.checklist_runs (org_id, template_key, period) WHERE period IS NOT NULL;
CREATE UNIQUE INDEX checklist_runs_gates_key ON mc.checklist_runs (org_id, template_key, subject_id) WHERE kind = 'gates';
CREATE INDEX checklist_runs_recent_idx ON mc.checklist_runs (org_id, started_at DESC);
CREATE INDEX checklist_runs_subject_idx ON mc.checklist_runs (org_id, subject_type, subject_id);

CREATE TABLE mc.checklist_items (
  id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id       uuid NOT NULL,
  run_id       uuid NOT NULL,
  position     integer NOT NULL,
  key          text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,40}$'),
  text         text NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
  check_key    text CHECK (check_key ~ '^[a-z][a-z0-9_]{0,60}$'),
  view         text CHECK (view ~ '^[a-z][a-z0-9_-]{0,40}$'),
  owner_id     uuid REFERENCES mc.operators (id),
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'failed', 'skipped')),
  set_by       uuid REFERENCES mc.operators (id),
  set_at       timestamptz,
  note         text CHECK (length(note) <= 5000),
  evidence_url text CHECK (length(evidence_url) <= 2000 AND evidence_url ~ '^https?://[^\s]+$'),
  -- An internal record that proves it: {type, id, label}.
  evidence_ref jsonb CHECK (jsonb_typeof(evidence_ref) = 'object'),
  -- What the automatic check said when the item was set.
  live_answer  jsonb CHECK (jsonb_typeof(live_answer) = 'object'),
  version      integer NOT NULL DEFAULT 1,
  UNIQUE (run_id, key),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, run_id) REFERENCES mc.checklist_runs (org_id, id) ON DELETE CASCADE,
  CHECK (status = 'open' OR (set_by IS NOT NULL AND set_at IS NOT NULL))
);
CREATE INDEX checklist_items_run_idx ON mc.checklist_items (org_id, run_id, position);

-- Backstop for the rule the app states first: ready (or live) needs every gate passed or waived.
CREATE FUNCTION mc.gates_open(p_org uuid, p_template text, p_subject uuid) RETURNS text
  LANGUAGE sql STABLE
  AS $$
    SELECT CASE
             WHEN r.id IS NULL THEN 'no go-live gates have been set up'
             ELSE (SELECT string_agg(i.text, ' ' ORDER BY i.position) FROM mc.checklist_items i
                    WHERE i.org_id = p_org AND i.run_id = r.id AND i.status IN ('open', 'failed'))
           END
      FROM (SELECT 1) one
      LEFT JOIN mc.checklist_runs r ON r.org_id = p_org AND r.template_key = p_template AND r.subject_id = p_subject AND r.kind = 'gates'
  $$;

CREATE FUNCTION mc.readiness_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    v_open text;
  BEGIN
    IF NEW.readiness IN ('ready', 'live') AND NEW.readiness IS DISTINCT FROM OLD.readiness THEN
      v_open := mc.gates_open(NEW.org_id, TG_ARGV[0], NEW.id);
      IF v_open IS NOT NULL THEN
        RAISE EXCEPTION 'Cannot mark it %: gates still open: %', NEW.readiness, v_open USING ERRCODE = 'UECFL';
      END IF;
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER corridors_readiness_guard BEFORE UPDATE OF readiness ON mc.corridors
  FOR EACH ROW EXECUTE FUNCTION mc.readiness_guard('corridor_rollout');
CREATE TRIGGER pilots_readiness_guard BEFORE UPDATE OF readiness ON mc.pilots
  FOR EACH ROW EXECUTE FUNCTION mc.readiness_guard('pilot_acceptance');

ALTER TABLE mc.pilots ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.pilots FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.checklist_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.checklist_runs FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.checklist_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.checklist_items FORCE ROW LEVEL SECURITY;

CREATE POLICY pilots_read ON mc.pilots FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY pilots_insert ON mc.pilots FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY pilots_update ON mc.pilots FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY checklist_runs_read ON mc.checklist_runs FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY checklist_runs_insert ON mc.checklist_runs FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY checklist_runs_update ON mc.checklist_runs FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY checklist_items_read ON mc.checklist_items FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY checklist_items_insert ON mc.checklist_items FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY checklist_items_update ON mc.checklist_items FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

GRANT SELECT, INSERT ON mc.pilots TO mc_app;
GRANT UPDATE (readiness, owner_id, tier) ON mc.pilots TO mc_app;
GRANT SELECT, INSERT ON mc.checklist_runs TO mc_app;
GRANT UPDATE (completed_at, outcome) ON mc.checklist_runs TO mc_app;
GRANT SELECT, INSERT ON mc.checklist_items TO mc_app;
GRANT UPDATE (owner_id, status, set_by, set_at, note, evidence_url, evidence_ref, live_answer, version) ON mc.checklist_items TO mc_app;

CREATE TRIGGER pilots_notify AFTER INSERT OR UPDATE ON mc.pilots
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('readiness.changed');
CREATE TRIGGER corridors_readiness_notify AFTER UPDATE OF readiness ON mc.corridors
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('readiness.changed');
CREATE TRIGGER checklist_runs_notify AFTER INSERT OR UPDATE ON mc.checklist_runs
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('checklists.changed');
CREATE TRIGGER checklist_items_notify AFTER INSERT OR UPDATE ON mc.checklist_items
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change_of('checklists.changed', 'run_id');
