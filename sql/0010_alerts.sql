SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Alert rules over telemetry rollups and component status, their per-subject state (pending
-- clocks persist across restarts), the transitions they went through, and their links to
-- incidents. The evaluation itself is pure TypeScript (src-shared/domain/alert-rules.ts).

CREATE TABLE mc.alert_rules (
  id                      uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id                  uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  name                    text NOT NULL CHECK (length(btrim(name)) BETWEEN 3 AND 120),
  metric                  text NOT NULL CHECK (metric IN ('gpu_util_pct', 'gpu_mem_used_mb', 'gpu_temp_c', 'power_w', 'energy_wh', 'tokens_per_s',
                                                          'p95_latency_ms', 'queue_depth', 'error_rate', 'component_state')),
  aggregation             text NOT NULL CHECK (aggregation IN ('avg', 'max', 'min', 'sum', 'p50', 'p95', 'p99', 'rate')),
  comparison              text NOT NULL CHECK (comparison IN ('>', '>=', '<', '<=')),
  threshold               double precision NOT NULL CHECK (threshold NOT IN ('NaN', 'Infinity', '-Infinity')),
  for_seconds             integer NOT NULL CHECK (for_seconds BETWEEN 0 AND 86400),
  keep_firing_for_seconds integer NOT NULL DEFAULT 0 CHECK (keep_firing_for_seconds BETWEEN 0 AND 86400),
  severity                text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  scope_kind              text NOT NULL CHECK (scope_kind IN ('node', 'site', 'corridor', 'all', 'component')),
  scope_id                uuid,
  open_incident           boolean NOT NULL DEFAULT false,
  incident_severity       text NOT NULL DEFAULT 'critical' CHECK (incident_severity IN ('critical', 'high', 'medium', 'low')),
  enabled                 boolean NOT NULL DEFAULT true,
  created_at              timestamptz NOT NULL DEFAULT now(),
  created_by              uuid REFERENCES mc.operators (id),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  updated_by              uuid REFERENCES mc.operators (id),
  version                 integer NOT NULL DEFAULT 1,
  CHECK ((metric = 'component_state') = (scope_kind = 'component')),
  CHECK (scope_kind <> 'all' OR scope_id IS NULL),
  UNIQUE (org_id, name),
  UNIQUE (org_id, id)
);

-- One row per (rule, subject) that is not plainly inactive: pending clocks, firing alerts and
-- recently resolved ones. Subjects with nothing going on have no row.
CREATE TABLE mc.alert_instances (
  org_id           uuid NOT NULL,
  rule_id          uuid NOT NULL,
  subject_key      text NOT NULL CHECK (subject_key ~ '^(all|(node|site|corridor|component):[0-9a-f-]{36})$'),
  subject_type     text NOT NULL CHECK (subject_type IN ('node', 'site', 'corridor', 'all', 'component')),
  subject_id       uuid,
  state            text NOT NULL CHECK (state IN ('inactive', 'pending', 'firing', 'resolved')),
  pending_since    timestamptz,
  firing_since     timestamptz,
  resolved_at      timestamptz,
  last_true_at     timestamptz,
  last_observed_at timestamptz,
  last_value       double precision,
  incident_id      uuid,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_id, subject_key),
  FOREIGN KEY (org_id, rule_id) REFERENCES mc.alert_rules (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, incident_id) REFERENCES mc.incidents (org_id, id) ON DELETE SET NULL (incident_id)
);
CREATE INDEX alert_instances_state_idx ON mc.alert_instances (org_id, state);

-- Every transition, for the alert's history and /operator; trimmed by maintenance.
CREATE TABLE mc.alert_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id       uuid NOT NULL,
  rule_id      uuid NOT NULL,
  subject_key  text NOT NULL,
  from_state   text NOT NULL,
  to_state     text NOT NULL,
  value        double precision,
  reason       text NOT NULL CHECK (length(reason) <= 500),
  at           timestamptz NOT NULL,
  FOREIGN KEY (org_id, rule_id) REFERENCES mc.alert_rules (org_id, id) ON DELETE CASCADE
);
CREATE INDEX alert_events_recent_idx ON mc.alert_events (org_id, at DESC);
CREATE INDEX alert_events_rule_idx ON mc.alert_events (rule_id, subject_key, at DESC);

-- Alerts linked to an incident (automatically when a rule opens one, or by an operator).
CREATE TABLE mc.incident_alerts (
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL,
  rule_id     uuid NOT NULL,
  subject_key text NOT NULL,
  linked_at   timestamptz NOT NULL DEFAULT now(),
  linked_by   uuid REFERENCES mc.operators (id),
  PRIMARY KEY (incident_id, rule_id, subject_key),
  FOREIGN KEY (org_id, incident_id) REFERENCES mc.incidents (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, rule_id) REFERENCES mc.alert_rules (org_id, id) ON DELETE CASCADE
);
CREATE INDEX incident_alerts_rule_idx ON mc.incident_alerts (org_id, rule_id, subject_key);

ALTER TABLE mc.alert_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.alert_rules FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.alert_instances ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.alert_instances FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.alert_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.alert_events FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_alerts FORCE ROW LEVEL SECURITY;

CREATE POLICY alert_rules_read ON mc.alert_rules FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY alert_rules_insert ON mc.alert_rules FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY alert_rules_update ON mc.alert_rules FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY alert_rules_delete ON mc.alert_rules FOR DELETE USING (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY alert_instances_read ON mc.alert_instances FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY alert_instances_insert ON mc.alert_instances FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY alert_instances_update ON mc.alert_instances FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY alert_instances_delete ON mc.alert_instances FOR DELETE USING (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY alert_events_read ON mc.alert_events FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY alert_events_insert ON mc.alert_events FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
-- Retention (maintenance, run as the owner) trims across orgs.
CREATE POLICY alert_events_retention ON mc.alert_events FOR DELETE TO CURRENT_USER USING (true);

CREATE POLICY incident_alerts_read ON mc.incident_alerts FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY incident_alerts_insert ON mc.incident_alerts FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

GRANT SELECT, INSERT, DELETE ON mc.alert_rules TO mc_app;
GRANT UPDATE (name, metric, aggregation, comparison, threshold, for_seconds, keep_firing_for_seconds, severity, scope_kind, scope_id,
              open_incident, incident_severity, enabled, updated_at, updated_by, version)
  ON mc.alert_rules TO mc_app;
GRANT SELECT, INSERT, DELETE ON mc.alert_instances TO mc_app;
GRANT UPDATE (state, pending_since, firing_since, resolved_at, last_true_at, last_observed_at, last_value, incident_id, updated_at)
  ON mc.alert_instances TO mc_app;
GRANT SELECT, INSERT ON mc.alert_events TO mc_app;
GRANT SELECT, INSERT ON mc.incident_alerts TO mc_app;

CREATE TRIGGER alert_rules_notify AFTER INSERT OR UPDATE OR DELETE ON mc.alert_rules
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('alerts.changed');
-- Only state changes are news; the figures of a pending or firing alert move every evaluation.
CREATE TRIGGER alert_instances_notify_insert AFTER INSERT ON mc.alert_instances
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change_of('alerts.changed', 'rule_id');
CREATE TRIGGER alert_instances_notify_update AFTER UPDATE ON mc.alert_instances
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.incident_id IS DISTINCT FROM NEW.incident_id)
  EXECUTE FUNCTION mc.notify_change_of('alerts.changed', 'rule_id');
