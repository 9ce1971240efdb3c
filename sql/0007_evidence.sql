SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Evidence records: what a gate, checklist or drill can point at to prove a claim (the
-- telemetry validation record first). Append-only like the audit log they link to.
CREATE TABLE mc.evidence_records (
  id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id       uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,60}$'),
  title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  subject_type text NOT NULL,
  subject_id   text,
  outcome      text NOT NULL CHECK (outcome IN ('passed', 'failed')),
  data         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
  audit_seq    bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   uuid REFERENCES mc.operators (id),
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq),
  UNIQUE (org_id, id)
);
CREATE INDEX evidence_records_kind_idx ON mc.evidence_records (org_id, kind, created_at DESC);

ALTER TABLE mc.evidence_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.evidence_records FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_read ON mc.evidence_records FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY evidence_insert ON mc.evidence_records FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.can_write());
GRANT SELECT, INSERT ON mc.evidence_records TO mc_app;

CREATE TRIGGER evidence_records_notify AFTER INSERT ON mc.evidence_records
  FOR EACH ROW EXECUTE FUNCTION mc.notify_change('evidence.changed');
