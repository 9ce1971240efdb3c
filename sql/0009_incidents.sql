SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Incidents: lifecycle, acknowledgement, command, timeline, affected grid, post-incident review,
-- and escalation (policies and the notifications they produced). Every timeline entry points at
-- the audit event that proves it.

-- Notify with another column than id as the subject (a timeline entry names its incident).
CREATE FUNCTION mc.notify_change_of() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    r record := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  BEGIN
    PERFORM pg_notify('mc_events', json_build_object('topic', TG_ARGV[0], 'org_id', r.org_id, 'id', to_jsonb(r) ->> TG_ARGV[1])::text);
    RETURN NULL;
  END
  $$;

CREATE FUNCTION mc.refuse_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
  END
  $$;

-- Operations settings of an org (one row, created with the defaults below).
CREATE TABLE mc.org_ops_settings (
  org_id                  uuid PRIMARY KEY REFERENCES mc.orgs (id) ON DELETE CASCADE,
  defaults_installed_at   timestamptz,
  energy_target_wh_per_1k double precision NOT NULL DEFAULT 0.1 CHECK (energy_target_wh_per_1k > 0 AND energy_target_wh_per_1k <= 1000),
  -- Which workstation evaluated alerts last, and when: "nobody is watching" must be visible.
  alerts_evaluated_at     timestamptz,
  alerts_evaluated_by     text CHECK (length(alerts_evaluated_by) <= 200),
  updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mc.escalation_policies (
  id                  uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id              uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  name                text NOT NULL CHECK (length(name) BETWEEN 3 AND 120),
  -- New incidents of these severities get this policy (the first by name when several match).
  severities          text[] NOT NULL DEFAULT '{}' CHECK (severities <@ ARRAY['critical', 'high', 'medium', 'low']),
  steps               jsonb NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) BETWEEN 1 AND 10),
  repeat              integer NOT NULL DEFAULT 0 CHECK (repeat BETWEEN 0 AND 10),
  ack_timeout_minutes integer CHECK (ack_timeout_minutes BETWEEN 1 AND 1440),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  updated_by          uuid REFERENCES mc.operators (id),
  version             integer NOT NULL DEFAULT 1,
  UNIQUE (org_id, name),
  UNIQUE (org_id, id)
);

-- INC-1, INC-2, …: one counter row per org, locked by the insert that takes the next number.
CREATE TABLE mc.incident_counters (
  org_id uuid PRIMARY KEY REFERENCES mc.orgs (id) ON DELETE CASCADE,
  last   integer NOT NULL DEFAULT 0
);

CREATE TABLE mc.incidents (
  id                  uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id              uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  number              integer NOT NULL CHECK (number >= 1),
  title               text NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
  summary             text NOT NULL DEFAULT '' CHECK (length(summary) <= 10000),
  severity            text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
  state               text NOT NULL DEFAULT 'triage'
                      CHECK (state IN ('triage', 'active', 'monitoring', 'resolved', 'closed', 'declined', 'merged')),
  -- A failover drill is run like an incident and kept as evidence, but blocks no traffic.
  drill               boolean NOT NULL DEFAULT false,
  merged_into         uuid,
  commander_id        uuid REFERENCES mc.operators (id),
  acknowledged_by     uuid REFERENCES mc.operators (id),
  acknowledged_at     timestamptz,
  policy_id           uuid,
  escalation_arm      integer NOT NULL DEFAULT 1 CHECK (escalation_arm >= 1),
  escalation_armed_at timestamptz NOT NULL DEFAULT now(),
  -- Who opened it: an operator, or the app (an alert rule) with opened_by NULL.
  opened_by           uuid REFERENCES mc.operators (id),
  opened_by_name      text NOT NULL CHECK (length(opened_by_name) BETWEEN 1 AND 200),
  opened_at           timestamptz NOT NULL DEFAULT now(),
  resolved_at         timestamptz,
  closed_at           timestamptz,
  resolution_note     text CHECK (length(resolution_note) <= 10000),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  version             integer NOT NULL DEFAULT 1,
  UNIQUE (org_id, number),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, merged_into) REFERENCES mc.incidents (org_id, id),
  FOREIGN KEY (org_id, policy_id) REFERENCES mc.escalation_policies (org_id, id) ON DELETE SET NULL (policy_id),
  CHECK ((state = 'merged') = (merged_into IS NOT NULL)),
  CHECK (merged_into IS DISTINCT FROM id),
  CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL)),
  -- Closing says how it ended, whoever closes (the app says so first; this is the backstop).
  CHECK (state <> 'closed' OR length(btrim(coalesce(resolution_note, ''))) >= 10)
);
CREATE INDEX incidents_open_idx ON mc.incidents (org_id, severity) WHERE state IN ('triage', 'active', 'monitoring');
CREATE INDEX incidents_recent_idx ON mc.incidents (org_id, opened_at DESC);

CREATE TABLE mc.incident_events (
  id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('opened', 'transition', 'acknowledged', 'ack_expired', 'note', 'severity_changed',
                                            'commander_assigned', 'commander_handover', 'commander_released', 'affected_added',
                                            'affected_removed', 'alert_linked', 'alert_resolved', 'alert_fired', 'escalated', 'policy_changed',
                                            'merged_into', 'merged_from', 'review_updated')),
  at          timestamptz NOT NULL DEFAULT now(),
  actor_id    uuid REFERENCES mc.operators (id),
  actor_name  text NOT NULL CHECK (length(actor_name) BETWEEN 1 AND 200),
  body        text CHECK (length(body) <= 10000),
  data        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
  audit_seq   bigint NOT NULL,
  FOREIGN KEY (org_id, incident_id) REFERENCES mc.incidents (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX incident_events_incident_idx ON mc.incident_events (org_id, incident_id, at, id);
CREATE TRIGGER incident_events_append_only BEFORE UPDATE ON mc.incident_events
  FOR EACH ROW EXECUTE FUNCTION mc.refuse_change();

-- What the incident touches. The target must exist in the same org (checked by trigger: one
-- column cannot reference three tables).
CREATE TABLE mc.incident_affected (
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('corridor', 'site', 'node')),
  target_id   uuid NOT NULL,
  added_at    timestamptz NOT NULL DEFAULT now(),
  added_by    uuid REFERENCES mc.operators (id),
  PRIMARY KEY (incident_id, kind, target_id),
  FOREIGN KEY (org_id, incident_id) REFERENCES mc.incidents (org_id, id) ON DELETE CASCADE
);
CREATE INDEX incident_affected_target_idx ON mc.incident_affected (org_id, kind, target_id);

CREATE FUNCTION mc.incident_affected_target_exists() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    v_exists boolean;
  BEGIN
    -- A row for another org is row-level security's to refuse; this check must not answer first
    -- (and tell the caller whether the other org's target exists).
    IF NEW.org_id IS DISTINCT FROM mc.current_org_id() THEN
      RETURN NEW;
    END IF;
    v_exists := CASE NEW.kind
               WHEN 'corridor' THEN EXISTS (SELECT 1 FROM mc.corridors WHERE org_id = NEW.org_id AND id = NEW.target_id)
               WHEN 'site' THEN EXISTS (SELECT 1 FROM mc.sites WHERE org_id = NEW.org_id AND id = NEW.target_id)
               ELSE EXISTS (SELECT 1 FROM mc.nodes WHERE org_id = NEW.org_id AND id = NEW.target_id)
             END;
    IF NOT v_exists THEN
      RAISE EXCEPTION 'That % does not exist in this org.', NEW.kind USING ERRCODE = 'UENFD';
    END IF;
    RETURN NEW;
  END
  $$;
CREATE TRIGGER incident_affected_target BEFORE INSERT ON mc.incident_affected
  FOR EACH ROW EXECUTE FUNCTION mc.incident_affected_target_exists();

-- The post-incident review, one per incident, edited in place (each save is in the timeline).
CREATE TABLE mc.incident_reviews (
  incident_id uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  summary     text NOT NULL DEFAULT '' CHECK (length(summary) <= 20000),
  impact      text NOT NULL DEFAULT '' CHECK (length(impact) <= 20000),
  timeline    text NOT NULL DEFAULT '' CHECK (length(timeline) <= 20000),
  causes      text NOT NULL DEFAULT '' CHECK (length(causes) <= 20000),
  -- [{text, owner, due, done}]
  actions     jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(actions) = 'array' AND jsonb_array_length(actions) <= 100),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  uuid REFERENCES mc.operators (id),
  version     integer NOT NULL DEFAULT 1,
  FOREIGN KEY (org_id, incident_id) REFERENCES mc.incidents (org_id, id) ON DELETE CASCADE
);

-- Each escalation step notified, once per (arming, round, step), whichever workstation got there first.
CREATE TABLE mc.escalation_notifications (
  id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id      uuid NOT NULL,
  incident_id uuid NOT NULL,
  arm         integer NOT NULL,
  round       integer NOT NULL,
  step        integer NOT NULL,
  target      jsonb NOT NULL,
  due_at      timestamptz NOT NULL,
  notified_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (incident_id, arm, round, step),
  FOREIGN KEY (org_id, incident_id) REFERENCES mc.incidents (org_id, id) ON DELETE CASCADE
);
CREATE INDEX escalation_notifications_recent_idx ON mc.escalation_notifications (org_id, notified_at DESC);

ALTER TABLE mc.org_ops_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.org_ops_settings FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.escalation_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.escalation_policies FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_counters FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.incidents FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_events FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_affected ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_affected FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.incident_reviews FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.escalation_notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.escalation_notifications FORCE ROW LEVEL SECURITY;

CREATE POLICY org_ops_settings_read ON mc.org_ops_settings FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY org_ops_settings_insert ON mc.org_ops_settings FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY org_ops_settings_update ON mc.org_ops_settings FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

-- Who gets paged is an admin's decision.
CREATE POLICY escalation_policies_read ON mc.escalation_policies FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY escalation_policies_insert ON mc.escalation_policies FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY escalation_policies_update ON mc.escalation_policies FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY escalation_policies_delete ON mc.escalation_policies FOR DELETE USING (org_id = mc.current_org_id() AND mc.is_admin());

CREATE POLICY incident_counters_read ON mc.incident_counters FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY incident_counters_insert ON mc.incident_counters FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY incident_counters_update ON mc.incident_counters FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY incidents_read ON mc.incidents FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY incidents_insert ON mc.incidents FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY incidents_update ON mc.incidents FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY incident_events_read ON mc.incident_events FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY incident_events_insert ON mc.incident_events FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY incident_affected_read ON mc.incident_affected FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY incident_affected_insert ON mc.incident_affected FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY incident_affected_delete ON mc.incident_affected FOR DELETE USING (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY incident_reviews_read ON mc.incident_reviews FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY incident_reviews_insert ON mc.incident_reviews FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
CREATE POLICY incident_reviews_update ON mc.incident_reviews FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

CREATE POLICY escalation_notifications_read ON mc.escalation_notifications FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY escalation_notifications_insert ON mc.escalation_notifications FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());

GRANT SELECT, INSERT ON mc.org_ops_settings TO mc_app;
GRANT UPDATE (defaults_installed_at, energy_target_wh_per_1k, alerts_evaluated_at, alerts_evaluated_by, updated_at) ON mc.org_ops_settings TO mc_app;
GRANT SELECT, INSERT, DELETE ON mc.escalation_policies TO mc_app;
GRANT UPDATE (name, severities, steps, repeat, ack_timeout_minutes, updated_at, updated_by, version) ON mc.escalation_policies TO mc_app;
GRANT SELECT, INSERT, UPDATE ON mc.incident_counters TO mc_app;
GRANT SELECT, INSERT ON mc.incidents TO mc_app;
GRANT UPDATE (title, summary, severity, state, merged_into, commander_id, acknowledged_by, acknowledged_at, policy_id,
              escalation_arm, escalation_armed_at, resolved_at, closed_at, resolution_note, updated_at, version)
  ON mc.incidents TO mc_app;
GRANT SELECT, INSERT ON mc.incident_events TO mc_app;
GRANT SELECT, INSERT, DELETE ON mc.incident_affected TO mc_app;
GRANT SELECT, INSERT ON mc.incident_reviews TO mc_app;
GRANT UPDATE (summary, impact, timeline, causes, actions, updated_at, updated_by, version) ON mc.incident_reviews TO mc_app;
GRANT SELECT, INSERT ON mc.escalation_notifications TO mc_app;

CREATE TRIGGER incidents_notify AFTER INSERT OR UPDATE ON mc.incidents
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('incidents.changed');
CREATE TRIGGER incident_events_notify AFTER INSERT ON mc.incident_events
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change_of('incidents.changed', 'incident_id');
CREATE TRIGGER escalation_policies_notify AFTER INSERT OR UPDATE OR DELETE ON mc.escalation_policies
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('escalation.changed');
CREATE TRIGGER escalation_notifications_notify AFTER INSERT ON mc.escalation_notifications
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('escalation.notified');
