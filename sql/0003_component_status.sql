SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Global component status (/status): what operators declare about corridors, the database, the
-- telemetry pipeline, routing and runtimes. Every change keeps a history row that points at the
-- audit event proving it.

CREATE TABLE mc.components (
  id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  key         text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  kind        text NOT NULL CHECK (kind IN ('corridor', 'database', 'telemetry', 'routing', 'runtime')),
  description text NOT NULL DEFAULT '',
  state       text NOT NULL DEFAULT 'operational'
              CHECK (state IN ('operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage')),
  reason      text,
  changed_at  timestamptz NOT NULL DEFAULT now(),
  changed_by  uuid REFERENCES mc.operators (id),
  sort_order  integer NOT NULL DEFAULT 0,
  UNIQUE (org_id, key),
  -- Lets child tables reference (org_id, id) so a row can never point into another org.
  UNIQUE (org_id, id)
);

CREATE TABLE mc.component_status_history (
  id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id       uuid NOT NULL,
  component_id uuid NOT NULL,
  from_state   text,
  to_state     text NOT NULL,
  reason       text,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_id     uuid REFERENCES mc.operators (id),
  audit_seq    bigint,
  FOREIGN KEY (org_id, component_id) REFERENCES mc.components (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX component_status_history_component_idx ON mc.component_status_history (org_id, component_id, at DESC);

ALTER TABLE mc.components ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.components FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.component_status_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.component_status_history FORCE ROW LEVEL SECURITY;

CREATE POLICY components_read ON mc.components FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY components_insert ON mc.components FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY components_update ON mc.components FOR UPDATE
  USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY component_history_read ON mc.component_status_history FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY component_history_insert ON mc.component_status_history FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

GRANT SELECT, INSERT ON mc.components TO mc_app;
GRANT UPDATE (state, reason, changed_at, changed_by) ON mc.components TO mc_app;
GRANT SELECT, INSERT ON mc.component_status_history TO mc_app;

CREATE TRIGGER components_notify AFTER INSERT OR UPDATE ON mc.components
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('status.changed');
