import { rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Session } from '../../../src-shared/contract/system';
import type { Logger } from '../../core/log';
import type { DatabaseManager, Sql } from '../../db';
import { appendAudit } from '../audit';
import type { Recorder } from '../org/recorder';
import { makeBackup } from './backup';
import { recordBackup } from './records';
import { getSchedule } from './schedule';

/** Is a scheduled backup due: enabled, and none (scheduled) within the interval. */
export function scheduleDue(s: { enabled: boolean; intervalHours: number } | null, lastScheduledAt: string | null, now: Date): boolean {
  if (!s?.enabled) return false;
  return lastScheduledAt === null || now.getTime() - new Date(lastScheduledAt).getTime() >= s.intervalHours * 3600_000;
}

/**
 * Retention: keep the newest `keep` scheduled backups whose file is still there; remove the
 * older files and mark their records removed (the rows stay). Manual backups are never removed.
 */
/** A file the schedule may delete: directly in its folder, named as makeBackup names backups. */
export function isScheduledBackupFile(file: string, folder: string): boolean {
  const f = resolve(file);
  return dirname(f) === resolve(folder) && /^mc-backup-[0-9A-Za-z_-]+\.(dump|mcarchive\.gz)$/.test(basename(f));
}

export async function applyRetention(sql: Sql, rec: Recorder, keep: number): Promise<string[]> {
  const old = await sql.query<{ id: string; file_path: string }>(
    `SELECT id, file_path FROM mc.backups WHERE trigger = 'scheduled' AND removed_at IS NULL ORDER BY created_at DESC OFFSET $1`,
    [keep],
  );
  for (const b of old) {
    await rec.audit({ action: 'backup.removed', target: { type: 'backup', id: b.id }, data: { file: b.file_path, why: `retention keeps the newest ${keep} scheduled backups` } });
    await sql.query('UPDATE mc.backups SET removed_at = now() WHERE id = $1', [b.id]);
  }
  return old.map((b) => b.file_path);
}

const SYSTEM = { id: null, name: 'Backup schedule', role: null } as const;
const systemRecorder = (sql: Sql, session: Session): Recorder => ({ actor: { id: null, name: SYSTEM.name }, audit: (d) => appendAudit(sql, session, d, { reason: null, requestId: null, actor: SYSTEM }) });

/**
 * One pass of the schedule (embedded database only), run by the app while an admin is signed in
 * on this workstation: the database lets only admins record backups. Files are removed only after
 * their records say so (committed), so a failure never leaves a record pointing at nothing unsaid.
 */
export async function runScheduledBackup(
  db: DatabaseManager,
  log: Logger,
  now = new Date(),
  checkpoint?: (session: Session) => Promise<unknown>,
): Promise<'done' | 'not_due' | 'skipped'> {
  const session = db.session;
  if (db.state !== 'connected' || db.quiescing || db.activeProfile?.kind !== 'embedded' || !session || session.role !== 'admin') return 'skipped';
  const { schedule, last } = await db.tx(session, async (sql) => ({
    schedule: await getSchedule(sql),
    last: (await sql.one<{ at: string | null }>(`SELECT max(created_at)::text AS at FROM mc.backups WHERE trigger = 'scheduled'`)).at,
  }));
  if (!schedule || !scheduleDue(schedule, last, now)) return 'not_due';
  const creds = await db.activeOwnerCredentials();
  await checkpoint?.(session);
  const file = await makeBackup(creds, schedule.folder, { now });
  let removed: string[] = [];
  try {
    removed = await db.tx(session, async (sql) => {
      const rec = systemRecorder(sql, session);
      await recordBackup(sql, rec, file, 'scheduled');
      return applyRetention(sql, rec, schedule.retentionCount);
    });
  } catch (err) {
    rmSync(file.path, { force: true });
    throw err;
  }
  // Only files this schedule wrote: inside its folder, with a backup's own name. A row's path is
  // data an admin could have written; retention must never delete whatever it names.
  for (const f of removed) {
    if (isScheduledBackupFile(f, schedule.folder)) rmSync(f, { force: true });
    else log.warn({ file: f }, 'retention: a backup record names a file outside the schedule folder; it was marked removed, the file left alone');
  }
  log.info({ file: file.path, removed: removed.length }, 'scheduled backup written');
  return 'done';
}

/** Checks the schedule every ten minutes while the app runs. */
export class BackupScheduleJob {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  constructor(
    private readonly db: DatabaseManager,
    private readonly log: Logger,
    private readonly everyMs = 10 * 60_000,
    /** Signs a checkpoint before each backup (checkpoint-first.ts), so its drill has one to check against. */
    private readonly checkpoint?: (session: Session) => Promise<unknown>,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await runScheduledBackup(this.db, this.log, new Date(), this.checkpoint);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'scheduled backup failed; the next check is in ten minutes');
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
