import type { Sql } from '../../db';
import { lastBackupStatus as fromBackups } from '../backups/status';

/** What the backup checks need from the backups part (src-main/services/backups/status.ts). */
export interface BackupStatus {
  lastBackupAt: string | null;
  lastRestoreDrillAt: string | null;
}

/**
 * The org's last backup and last *passed* restore drill (a failed drill proves nothing restores),
 * read through the scan's own login (sql/0057 lets mc_advisor read the backup records).
 */
export async function lastBackupStatus(sql: Sql, orgId: string): Promise<BackupStatus | null> {
  const b = await fromBackups(sql, orgId);
  const passed = await sql.maybeOne<{ at: string | Date }>('SELECT max(created_at) AS at FROM mc.restore_drills WHERE org_id = $1 AND ok', [orgId]);
  const at = passed?.at ?? null;
  return { lastBackupAt: b.lastBackupAt, lastRestoreDrillAt: at === null ? null : at instanceof Date ? at.toISOString() : String(at) };
}
