SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Backups and restore drills (issue 16). A backup is a file on this workstation (or a folder it
-- chose); the row records what the file must be (sha256, size, per-table row counts), so a file
-- altered or truncated later is refused by the drill instead of being trusted. A restore drill
-- restores a backup into a scratch server, compares the counts and the audit chain with what was
-- recorded, and is written by the service only (never typed).
CREATE TABLE mc.backups (
  id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES mc.orgs (id) ON DELETE CASCADE,
  -- 'pg_dump_custom': pg_dump -Fc; 'mc_archive': the built-in consistent archive (docs/formats.md),
  -- used when no pg_dump at least as new as the server is installed.
  format           text NOT NULL CHECK (format IN ('pg_dump_custom', 'mc_archive')),
  format_reason    text NOT NULL CHECK (length(format_reason) BETWEEN 1 AND 500),
  file_path        text NOT NULL CHECK (length(file_path) BETWEEN 1 AND 4096),
  size_bytes       bigint NOT NULL CHECK (size_bytes >= 0),
  sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  server_version   text NOT NULL CHECK (length(server_version) BETWEEN 1 AND 200),
  migration_level  text NOT NULL CHECK (length(migration_level) BETWEEN 1 AND 200),
  -- [{ "schema", "table", "rows" }]: what a restore must find.
  tables           jsonb NOT NULL CHECK (jsonb_typeof(tables) = 'array'),
  audit_events     bigint NOT NULL CHECK (audit_events >= 0),
  trigger          text NOT NULL CHECK (trigger IN ('manual', 'scheduled')),
  duration_ms      bigint NOT NULL CHECK (duration_ms >= 0),
  -- Set when retention removed the file; the row stays on the record.
  removed_at       timestamptz,
  audit_seq        bigint NOT NULL,
  created_by       uuid REFERENCES mc.operators (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq),
  UNIQUE (org_id, id)
);
CREATE INDEX backups_created_idx ON mc.backups (org_id, created_at DESC);

CREATE TABLE mc.restore_drills (
  id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id           uuid NOT NULL,
  backup_id        uuid NOT NULL,
  ok               boolean NOT NULL,
  counts_ok        boolean NOT NULL,
  chain_ok         boolean NOT NULL,
  chain_message    text NOT NULL CHECK (length(chain_message) <= 2000),
  -- [{ "schema", "table", "expected", "restored" }]
  tables           jsonb NOT NULL CHECK (jsonb_typeof(tables) = 'array'),
  scratch          text NOT NULL CHECK (scratch IN ('embedded', 'pg15')),
  error            text CHECK (error IS NULL OR length(error) <= 2000),
  started_at       timestamptz NOT NULL,
  duration_ms      bigint NOT NULL CHECK (duration_ms >= 0),
  evidence_id      uuid NOT NULL,
  audit_seq        bigint NOT NULL,
  created_by       uuid REFERENCES mc.operators (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, backup_id) REFERENCES mc.backups (org_id, id),
  FOREIGN KEY (org_id, evidence_id) REFERENCES mc.evidence_records (org_id, id),
  FOREIGN KEY (org_id, audit_seq) REFERENCES mc.audit_events (org_id, seq),
  CHECK (NOT ok OR (counts_ok AND chain_ok AND error IS NULL))
);
CREATE INDEX restore_drills_created_idx ON mc.restore_drills (org_id, created_at DESC);
CREATE INDEX restore_drills_backup_idx ON mc.restore_drills (org_id, backup_id);

-- Scheduled backups of the embedded database: one row per org.
CREATE TABLE mc.backup_schedules (
  org_id           uuid NOT NULL PRIMARY KEY REFERENCES mc.orgs (id) ON DELETE CASCADE,
  enabled          boolean NOT NULL DEFAULT false,
  interval_hours   integer NOT NULL DEFAULT 24 CHECK (interval_hours BETWEEN 1 AND 720),
  retention_count  integer NOT NULL DEFAULT 7 CHECK (retention_count BETWEEN 1 AND 365),
  folder           text NOT NULL CHECK (length(folder) BETWEEN 1 AND 4096),
  updated_by       uuid REFERENCES mc.operators (id),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE mc.backups ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.backups FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.restore_drills ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.restore_drills FORCE ROW LEVEL SECURITY;
ALTER TABLE mc.backup_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE mc.backup_schedules FORCE ROW LEVEL SECURITY;

-- Everyone in the org reads them (auditors export the drills); only admins back up, drill and
-- schedule: a backup holds the whole database.
CREATE POLICY backups_read ON mc.backups FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY backups_insert ON mc.backups FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY backups_update ON mc.backups FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY restore_drills_read ON mc.restore_drills FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY restore_drills_insert ON mc.restore_drills FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY backup_schedules_read ON mc.backup_schedules FOR SELECT USING (org_id = mc.current_org_id());
CREATE POLICY backup_schedules_insert ON mc.backup_schedules FOR INSERT WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());
CREATE POLICY backup_schedules_update ON mc.backup_schedules FOR UPDATE USING (org_id = mc.current_org_id())
  WITH CHECK (org_id = mc.current_org_id() AND mc.is_admin());

-- No DELETE: a backup or drill, once recorded, stays on the record (retention only marks removed_at).
GRANT SELECT, INSERT ON mc.backups, mc.restore_drills, mc.backup_schedules TO mc_app;
GRANT UPDATE (removed_at) ON mc.backups TO mc_app;
GRANT UPDATE (enabled, interval_hours, retention_count, folder, updated_by, updated_at) ON mc.backup_schedules TO mc_app;
