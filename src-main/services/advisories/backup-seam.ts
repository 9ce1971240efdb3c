import type { Sql } from '../../db';

/** What the backup checks need from the backups part (src-main/services/backups/status.ts). */
export interface BackupStatus {
  lastBackupAt: string | null;
  lastRestoreDrillAt: string | null;
}

/**
 * The seam the lead wires after the merge: replace the body with the backups part's
 * `lastBackupStatus(sql, orgId)`. Until then there is no backup source, and the two backup checks
 * report "not checked" instead of raising an advisory they cannot back with a record.
 */
export async function lastBackupStatus(_sql: Sql, _orgId: string): Promise<BackupStatus | null> {
  return null;
}
