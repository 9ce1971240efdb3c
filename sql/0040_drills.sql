SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Failover drills (issue 15): a hypothesis tried against the live grid in three ordered steps
-- (drain → simulate → restore), measured against an SLA policy. Every figure a drill shows is
-- written here by the service from records (node state, routing decisions, telemetry), never typed.
CREATE TABLE mc.drills (
  id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  hypothesis       text NOT NULL CHECK (length(hypothesis) BETWEEN 3 AND 2000),
  -- A runtime group is a name on nodes, not a row: the target is text for every kind.
  scope_kind       text NOT NULL CHECK (scope_kind IN ('corridor', 'site', 'runtime_group')),
  scope_target     text NOT NULL CHECK (length(scope_target) BETWEEN 1 AND 100),
  scope_name       text NOT NULL CHECK (length(scope_name) BETWEEN 1 AND 200),
  sla_policy_id    uuid NOT NULL,
  stop_rule_ids    uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(stop_rule_ids) <= 20),
  state            text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'running', 'stopped', 'completed', 'aborted')),
  started_at       timestamptz,
  ended_at         timestamptz,
  steady_before    jsonb CHECK (steady_before IS NULL OR jsonb_typeof(steady_before) = 'object'),
  steady_after     jsonb CHECK (steady_after IS NULL OR jsonb_typeof(steady_after) = 'object'),
  outcome          text CHECK (outcome IS NULL OR outcome IN ('passed', 'failed')),
  outcome_reasons  jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(outcome_reasons) = 'array'),
  end_reason       text CHECK (end_reason IS NULL OR length(end_reason) <= 2000),
  recovery_ms      bigint CHECK (recovery_ms IS NULL OR recovery_ms >= 0),
  data_loss_ms     bigint CHECK (data_loss_ms IS NULL OR data_loss_ms >= 0),
  incident_id      uuid,
  evidence_id      uuid,
  created_by       uuid REFERENCES mc.operators (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, sla_policy_id) REFERENCES mc.sla_policies (org_id, id),
  FOREIGN KEY (org_id, evidence_id) REFERENCES mc.evidence_records (org_id, id),
  UNIQUE (org_id, id),
  CHECK ((state = 'planned') = (started_at IS NULL)),
  CHECK ((state IN ('stopped', 'completed', 'aborted')) = (ended_at IS NOT NULL)),
  CHECK ((state = 'completed') = (outcome IS NOT NULL))
);
CREATE INDEX drills_created_idx ON mc.drills (org_id, created_at DESC);
CREATE INDEX drills_incident_idx ON mc.drills (org_id, incident_id);

CREATE TABLE mc.drill_steps (
  org_id     uuid NOT NULL,
  drill_id   uuid NOT NULL,
  position   smallint NOT NULL CHECK (position BETWEEN 1 AND 3),
  kind       text NOT NULL CHECK (kind IN ('drain', 'simulate', 'restore')),
  state      text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'skipped')),
  started_at timestamptz,
  ended_at   timestamptz,
  -- What the step found or did: drained node ids, simulation decisions and residency verdicts.
  result     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(result) = 'object'),
  audit_seq  bigint,
  PRIMARY KEY (drill_id, position),
  FOREIGN KEY (org_id, drill_id) REFERENCES mc.drills (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq),
  UNIQUE (drill_id, kind),
  CHECK ((state = 'done') = (ended_at IS NOT NULL AND audit_seq IS NOT NULL))
);

ALTER TABLE mc.drills ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.drills FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.drill_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.drill_steps FORCE ROW LEVEL SECURITY;

-- Everyone in the org reads drills (auditors export them); admins and incident commanders run them.
CREATE POLICY drills_read ON mc.drills FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY drills_insert ON mc.drills FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'incident_commander'));
CREATE POLICY drills_update ON mc.drills FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'incident_commander'));
CREATE POLICY drill_steps_read ON mc.drill_steps FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY drill_steps_insert ON mc.drill_steps FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'incident_commander'));
CREATE POLICY drill_steps_update ON mc.drill_steps FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'incident_commander'));

-- No DELETE: a drill, once planned, stays on the record.
GRANT SELECT, INSERT ON mc.drills, mc.drill_steps TO mc_app;
GRANT UPDATE (state, started_at, ended_at, steady_before, steady_after, outcome, outcome_reasons, end_reason,
              recovery_ms, data_loss_ms, incident_id, evidence_id) ON mc.drills TO mc_app;
GRANT UPDATE (state, started_at, ended_at, result, audit_seq) ON mc.drill_steps TO mc_app;
