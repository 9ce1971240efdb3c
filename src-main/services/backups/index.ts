export { makeBackup, backupFolder, type BackupFile, type BackupFormat, type OwnerCredentials } from './backup';
export { runRestoreDrill, DrillRefused, type DrillResult, type DrillSubject } from './drill';
export { ArchiveError, readArchive } from './archive-read';
export { BackupCancelled, type BackupProgress } from './progress';
export { listBackups, listDrills, getBackup, recordBackup, recordDrill, drillSubject, type BackupRow, type DrillRow } from './records';
export { lastBackupStatus, type LastBackupStatus, DRILL_WEEK_MS } from './status';
export { restoreLive, RestoreRefused, RestoreRolledBack, type LiveRestoreResult, type RestoreStep, type RestoreFault } from './restore';
