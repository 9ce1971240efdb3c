import type { BackupSchedule } from '../../../src-shared/contract/backups';
import type { Sql } from '../../db';
import type { Recorder } from '../org/recorder';
import { backupFolder } from './backup';

export async function getSchedule(sql: Sql): Promise<BackupSchedule | null> {
  return sql.maybeOne<BackupSchedule>(
    `SELECT enabled, interval_hours AS "intervalHours", retention_count AS "retentionCount", folder FROM mc.backup_schedules WHERE org_id = mc.current_org_id()`,
  );
}

export async function setSchedule(sql: Sql, rec: Recorder, s: BackupSchedule): Promise<BackupSchedule> {
  backupFolder(s.folder);
  const before = await getSchedule(sql);
  await rec.audit({ action: 'backup.schedule_set', target: { type: 'backup_schedule', id: null }, data: { before, after: s } });
  await sql.query(
    `INSERT INTO mc.backup_schedules (org_id, enabled, interval_hours, retention_count, folder, updated_by)
     VALUES (mc.current_org_id(), $1, $2, $3, $4, $5)
     ON CONFLICT (org_id) DO UPDATE SET enabled = EXCLUDED.enabled, interval_hours = EXCLUDED.interval_hours,
       retention_count = EXCLUDED.retention_count, folder = EXCLUDED.folder, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [s.enabled, s.intervalHours, s.retentionCount, s.folder, rec.actor.id],
  );
  return (await getSchedule(sql)) as BackupSchedule;
}
