SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- On-call schedule (issue 11): who holds incident command per time window. One rota per org
-- (the incident-command rota); its shifts never overlap, so "who is on call at t" has one answer
-- or none. The overlap rule is a trigger, not an exclusion constraint: btree_gist is not
-- guaranteed on every PG15 host this app targets, and the trigger serialises writers of one org
-- with a transaction-scoped advisory lock so two workstations cannot both add overlapping shifts.
CREATE TABLE mc.oncall_shifts (
  id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  operator_id uuid NOT NULL REFERENCES mc.operators (id),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  created_by  uuid REFERENCES mc.operators (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT oncall_shifts_window CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '31 days')
);
CREATE INDEX oncall_shifts_window_idx ON mc.oncall_shifts (org_id, starts_at, ends_at);

CREATE FUNCTION mc.oncall_shifts_guard() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  -- A row for another org than the session's: the row-level policy refuses it, in its own words.
  IF mc.current_org_id() IS NOT NULL AND NEW.org_id IS DISTINCT FROM mc.current_org_id() THEN
    RETURN NEW;
  END IF;
  -- Incident command is the incident commanders' rota: an admin or operator on it would be paged
  -- "as the commander on call" while unable to take command (incidents hand command to commanders).
  IF NOT EXISTS (SELECT 1 FROM mc.memberships WHERE org_id = NEW.org_id AND operator_id = NEW.operator_id AND role = 'incident_commander') THEN
    RAISE EXCEPTION 'an on-call shift names someone who is not an incident commander of this org' USING ERRCODE = '23514';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('mc.oncall_shifts:' || NEW.org_id::text, 0));
  IF EXISTS (SELECT 1 FROM mc.oncall_shifts s
              WHERE s.org_id = NEW.org_id AND s.id <> NEW.id
                AND s.starts_at < NEW.ends_at AND NEW.starts_at < s.ends_at) THEN
    RAISE EXCEPTION 'on-call shifts overlap: someone already holds incident command in part of that window' USING ERRCODE = '23P01';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER oncall_shifts_guard BEFORE INSERT ON mc.oncall_shifts
  FOR EACH ROW EXECUTE FUNCTION mc.oncall_shifts_guard();

ALTER TABLE mc.oncall_shifts ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.oncall_shifts FORCE ROW LEVEL SECURITY;

-- Everyone in the org reads the schedule; admins and incident commanders write it.
CREATE POLICY oncall_shifts_read ON mc.oncall_shifts FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY oncall_shifts_insert ON mc.oncall_shifts FOR INSERT
  WITH CHECK (org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'incident_commander'));
CREATE POLICY oncall_shifts_delete ON mc.oncall_shifts FOR DELETE
  USING (org_id = mc.current_org_id() AND mc.current_app_role() IN ('admin', 'incident_commander'));

-- Shifts are added and removed, never edited: an edit is a removal and an addition, both audited.
GRANT SELECT, INSERT, DELETE ON mc.oncall_shifts TO mc_app;

CREATE TRIGGER oncall_shifts_notify AFTER INSERT OR DELETE ON mc.oncall_shifts
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('oncall.changed');

-- What a step resolved to when it fired: the member on call then (for an on-call step), and why
-- nobody was reachable when that was so (the next step then fires at once; 'not_a_commander': the
-- person on call has since lost the incident commander role). Both are written with
-- the row and never changed; NULL on every existing row.
ALTER TABLE mc.escalation_notifications
  ADD COLUMN resolved_operator_id uuid,
  ADD CONSTRAINT escalation_notifications_resolved_operator FOREIGN KEY (resolved_operator_id) REFERENCES mc.operators (id) NOT VALID,
  ADD COLUMN unreachable text,
  ADD CONSTRAINT escalation_notifications_unreachable CHECK (unreachable IS NULL OR unreachable IN ('nobody_on_call', 'no_member_in_role', 'not_a_member', 'not_a_commander')) NOT VALID;
