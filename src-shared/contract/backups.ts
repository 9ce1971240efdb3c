import { z } from 'zod';
import { command, empty, query } from './channel';

/** Backups and restore drills (issue 16): files of the whole database, and drills that prove they restore. */
export const BACKUP_FORMATS = ['pg_dump_custom', 'mc_archive'] as const;
const jobId = z.uuid();
const folder = z.string().trim().min(1, 'Give the folder to write backups to.').max(1000, 'A folder path is at most 1000 characters.');

const tableCount = z.object({ schema: z.string(), table: z.string(), rows: z.number().int() });

export const backupSchema = z.object({
  id: z.uuid(),
  format: z.enum(BACKUP_FORMATS),
  /** Why this format was used (which pg_dump, or why none could be). */
  formatReason: z.string(),
  path: z.string(),
  sizeBytes: z.number().int().min(0),
  sha256: z.string(),
  serverVersion: z.string(),
  migrationLevel: z.string(),
  tables: z.array(tableCount),
  auditEvents: z.number().int(),
  trigger: z.enum(['manual', 'scheduled']),
  durationMs: z.number().int(),
  removedAt: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type Backup = z.infer<typeof backupSchema>;

export const restoreDrillSchema = z.object({
  id: z.uuid(),
  backupId: z.uuid(),
  ok: z.boolean(),
  countsOk: z.boolean(),
  chainOk: z.boolean(),
  chainMessage: z.string(),
  tables: z.array(z.object({ schema: z.string(), table: z.string(), expected: z.number().int(), restored: z.number().int() })),
  scratch: z.enum(['embedded', 'pg15']),
  startedAt: z.string(),
  durationMs: z.number().int(),
  evidenceId: z.uuid(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type RestoreDrill = z.infer<typeof restoreDrillSchema>;

export const backupScheduleSchema = z.object({
  enabled: z.boolean(),
  intervalHours: z.number().int().min(1).max(720),
  retentionCount: z.number().int().min(1).max(365),
  folder,
});
export type BackupSchedule = z.infer<typeof backupScheduleSchema>;

export const backupStatusSchema = z.object({
  lastBackupAt: z.string().nullable(),
  lastBackupId: z.uuid().nullable(),
  lastBackupFormat: z.enum(BACKUP_FORMATS).nullable(),
  lastDrillAt: z.string().nullable(),
  lastDrillId: z.uuid().nullable(),
  lastDrillOk: z.boolean().nullable(),
  lastDrillEvidenceId: z.uuid().nullable(),
  lastDrillDurationMs: z.number().nullable(),
  backupsKept: z.number().int(),
});

export const backupsOverview = query('backups.overview', {
  summary: 'Backups of this database, restore drills, the schedule and where backups go by default.',
  request: empty,
  response: z.object({
    backups: z.array(backupSchema),
    drills: z.array(restoreDrillSchema),
    schedule: backupScheduleSchema.nullable(),
    status: backupStatusSchema,
    defaultFolder: z.string(),
    /** Scheduled backups and a real restore are for the embedded database only. */
    embedded: z.boolean(),
  }),
});

const phase = z.enum(['checkpoint', 'snapshot', 'tables', 'hashing', 'scratch', 'restoring', 'verifying', 'recording', 'done', 'stop_writes', 'checking', 'swapping', 'resuming', 'rolling_back']);

export const RESTORE_STEPS = ['stop_writes', 'check', 'restore', 'verify', 'resume', 'rollback'] as const;
/** What an admin types to restore over the live database. */
export const RESTORE_CONFIRMATION = 'RESTORE';

export const restoreResultSchema = z.object({
  backupId: z.uuid(),
  backupCreatedAt: z.string(),
  backupFile: z.string(),
  /** Where the replaced cluster is kept (never deleted by the app). */
  previousCluster: z.string(),
  tables: z.array(z.object({ schema: z.string(), table: z.string(), expected: z.number().int(), restored: z.number().int() })),
  countsOk: z.boolean(),
  chainOk: z.boolean(),
  chainMessage: z.string(),
  /** The org's audit events made after the backup, which the restore took away. */
  lost: z.object({
    events: z.number().int().min(0),
    from: z.string().nullable(),
    to: z.string().nullable(),
    actions: z.array(z.object({ action: z.string(), count: z.number().int() })),
  }),
  steps: z.array(z.object({ step: z.enum(RESTORE_STEPS), outcome: z.enum(['started', 'done', 'failed']), at: z.string(), message: z.string() })),
  recorded: z.object({ ok: z.boolean(), message: z.string() }),
  incident: z.object({ id: z.uuid(), recorded: z.boolean(), message: z.string() }).nullable(),
  durationMs: z.number().int(),
});
export type RestoreResult = z.infer<typeof restoreResultSchema>;

/**
 * Restore a backup over the live embedded database (docs/runbooks.md, "Data loss"): stop writes,
 * check the file, replace the cluster (the old one is kept aside), verify, resume. Everything
 * after the backup is lost, so the admin types RESTORE. A long job like a drill.
 */
export const backupsRestore = query('backups.restore', {
  summary: 'Restore a recorded backup over the live embedded database: stop writes, check the file, restore into a fresh cluster (the old one kept aside), verify counts and the audit chain, resume. Everything after the backup is lost. Admins only.',
  request: z.strictObject({
    jobId,
    backupId: z.uuid(),
    /** Must be RESTORE (checked by the handler, which says what is lost). */
    confirm: z.string().max(40),
    incidentId: z.uuid().optional(),
    reason: z.string().trim().max(2000).optional(),
  }),
  response: restoreResultSchema,
  readOnlyAllowed: false,
});

/**
 * Long jobs (a backup, a drill) run on this workstation by the id the view chose; the call
 * returns when done, and the view polls backups.progress meanwhile (the browser host's call may
 * give up first). The record and its audit event are written in their own transaction once the
 * file is whole (or the drill finished): a cancel or failure records nothing. Admins only.
 */
export const backupsRun = query('backups.run', {
  summary: 'Back up the active database now into a folder on this workstation (pg_dump -Fc, or the built-in archive when no pg_dump is new enough); records the file and its sha256. Admins only.',
  request: z.strictObject({ jobId, folder, reason: z.string().trim().max(2000).optional() }),
  response: backupSchema,
  readOnlyAllowed: false,
});

export const backupsDrill = query('backups.drill', {
  summary: 'Restore drill: restore a recorded backup into a scratch server, compare every table’s rows and the audit chain against its checkpoints, record the result as evidence. Admins only.',
  request: z.strictObject({ jobId, backupId: z.uuid(), reason: z.string().trim().max(2000).optional() }),
  response: restoreDrillSchema,
  readOnlyAllowed: false,
});

export const backupsProgress = query('backups.progress', {
  summary: 'How far a backup or drill under way has got, and how it ended (kept 10 minutes).',
  request: z.strictObject({ jobId }),
  response: z.object({
    running: z.boolean(),
    phase: phase.nullable(),
    done: z.number().int().min(0),
    total: z.number().int().min(0).nullable(),
    table: z.string().nullable(),
    backup: backupSchema.nullable(),
    drill: restoreDrillSchema.nullable(),
    restore: restoreResultSchema.nullable(),
    error: z.object({ code: z.string().max(40), message: z.string().max(2000) }).nullable(),
  }),
  needsDb: false,
});

export const backupsCancel = query('backups.cancel', {
  summary: 'Cancel a backup or drill under way: no partial file is kept and nothing is recorded.',
  request: z.strictObject({ jobId }),
  response: z.object({ cancelled: z.boolean() }),
  needsDb: false,
  readOnlyAllowed: false,
});

export const backupsSetSchedule = command('backups.setSchedule', {
  summary: 'Scheduled backups of the embedded database: every N hours into a folder, keeping the newest N scheduled files (older ones are removed and marked so).',
  request: backupScheduleSchema.strict(),
  response: z.object({ schedule: backupScheduleSchema }),
  roles: ['admin'],
});
