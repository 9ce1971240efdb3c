import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { McError } from '../../../src-shared/contract/errors';
import type { Session } from '../../../src-shared/contract/system';
import { sqlDir } from '../../core/paths';
import { loadMigrations, type Sql } from '../../db';
import { appendAudit } from '../../services/audit';
import { CheckpointStore, checkpointStoreBeside } from '../../services/audit/anchor';
import {
  BackupCancelled,
  DrillRefused,
  drillSubject,
  getBackup,
  lastBackupStatus,
  listBackups,
  listDrills,
  makeBackup,
  recordBackup,
  recordDrill,
  RestoreRefused,
  RestoreRolledBack,
  restoreLive,
  runRestoreDrill,
} from '../../services/backups';
import { RESTORE_CONFIRMATION } from '../../../src-shared/contract/backups';
import type { BackupProgress, BackupRow, DrillRow, LiveRestoreResult } from '../../services/backups';
import { checkpointBeforeBackup } from '../../services/backups/checkpoint-first';
import { backupJobState, cancelBackupJob, endBackupJob, startBackupJob } from '../../services/backups/jobs';
import { getSchedule, setSchedule } from '../../services/backups/schedule';
import type { Recorder } from '../../services/org/recorder';
import { commandRecorder } from '../../services/org';
import type { Handlers, QueryCtx } from '../types';

/** Where backups go unless the operator chooses another folder. */
export function defaultBackupFolder(dataDir: string): string {
  return join(dataDir, 'backups');
}

function adminOnly(ctx: QueryCtx): Session {
  if (!ctx.session) throw new McError('FORBIDDEN', 'Sign in to an org to back up or drill its database.');
  if (ctx.session.role !== 'admin') throw new McError('FORBIDDEN', 'Only an admin can back up the database or run a restore drill: a backup holds the whole database. Ask an admin.');
  return ctx.session;
}

function recorderFor(sql: Sql, session: Session, reason: string | undefined, requestId: string): Recorder {
  return { actor: { id: session.operatorId, name: session.operatorName }, audit: (d) => appendAudit(sql, session, d, { reason: reason ?? null, requestId }) };
}

/** Failures said plainly; an unexpected one is named without internals. */
function asMcError(err: unknown, what: string): McError {
  if (err instanceof McError) return err;
  if (err instanceof BackupCancelled) return new McError('CONFLICT', err.message);
  if (err instanceof DrillRefused) return new McError('CONFLICT', err.message);
  if (err instanceof RestoreRefused) return new McError('CONFLICT', err.message);
  if (err instanceof RestoreRolledBack) return new McError('UNAVAILABLE', err.message);
  const message = (err as Error).message ?? String(err);
  return new McError('UNAVAILABLE', `${what} failed: ${message.slice(0, 600)}`);
}

async function runJob<T>(
  jobId: string,
  ctx: QueryCtx,
  work: (signal: AbortSignal, job: { progress: BackupProgress | null }) => Promise<{ backup?: BackupRow; drill?: DrillRow; restore?: LiveRestoreResult; value: T }>,
): Promise<T> {
  const job = startBackupJob(jobId);
  if (job === 'duplicate') throw new McError('CONFLICT', 'That backup or drill is already running.');
  if (job === 'busy') throw new McError('CONFLICT', 'A backup or restore drill is already running on this workstation: wait for it to finish, or cancel it.');
  try {
    const r = await work(job.controller.signal, job);
    endBackupJob(jobId, { backup: r.backup ?? null, drill: r.drill ?? null, restore: r.restore ?? null, error: null });
    return r.value;
  } catch (err) {
    const e = asMcError(err, 'The job');
    ctx.log.warn({ err: e.message }, 'backups: job failed');
    endBackupJob(jobId, { backup: null, drill: null, error: { code: e.code, message: e.message } });
    throw e;
  }
}

export const backupsHandlers = {
  'backups.overview': async (_input, ctx) => {
    const dataDir = dirname(ctx.deps.localAudit.path);
    const embedded = ctx.deps.db.activeProfile?.kind === 'embedded';
    return ctx.read(
      async (sql, session) => ({
        backups: await listBackups(sql),
        drills: await listDrills(sql),
        schedule: await getSchedule(sql),
        status: await lastBackupStatus(sql, session.orgId),
        defaultFolder: defaultBackupFolder(dataDir),
        embedded,
      }),
      { snapshot: true },
    );
  },

  'backups.run': async (input, ctx) => {
    const session = adminOnly(ctx);
    return runJob(input.jobId, ctx, async (signal, job) => {
      const creds = await ctx.deps.db.activeOwnerCredentials();
      job.progress = { phase: 'checkpoint', done: 0, total: null };
      await checkpointBeforeBackup({ db: ctx.deps.db, vault: ctx.deps.vault, store: checkpointStoreBeside(ctx.deps.localAudit.path), log: ctx.log }, session);
      const file = await makeBackup(creds, input.folder, { signal, onProgress: (p) => (job.progress = p) });
      job.progress = { phase: 'recording', done: 0, total: null };
      try {
        const row = await ctx.deps.db.tx(session, (sql) => recordBackup(sql, recorderFor(sql, session, input.reason, ctx.requestId), file, 'manual'));
        return { backup: row, value: row };
      } catch (err) {
        // An unrecorded file must not pass for a backup.
        rmSync(file.path, { force: true });
        throw err;
      }
    });
  },

  'backups.drill': async (input, ctx) => {
    const session = adminOnly(ctx);
    return runJob(input.jobId, ctx, async (signal, job) => {
      const backup = await ctx.read((sql) => getBackup(sql, input.backupId));
      const dataDir = dirname(ctx.deps.localAudit.path);
      const result = await runRestoreDrill(drillSubject(backup), {
        orgId: session.orgId,
        migrations: loadMigrations(sqlDir()),
        vault: ctx.deps.vault,
        store: new CheckpointStore(dataDir),
        log: ctx.log,
        signal,
        onProgress: (p) => (job.progress = p),
      });
      job.progress = { phase: 'recording', done: 0, total: null };
      const row = await ctx.deps.db.tx(session, (sql) => recordDrill(sql, recorderFor(sql, session, input.reason, ctx.requestId), session, backup, result));
      return { drill: row, value: row };
    });
  },

  'backups.restore': async (input, ctx) => {
    const session = adminOnly(ctx);
    if (ctx.deps.db.activeProfile?.kind !== 'embedded') {
      throw new McError('VALIDATION', 'A restore over the live database is for the embedded database only; restore a remote database with its provider’s tools, or drill a backup instead.');
    }
    if (input.confirm !== RESTORE_CONFIRMATION) {
      throw new McError('VALIDATION', `Type ${RESTORE_CONFIRMATION} to confirm: everything made after the backup is lost. Nothing was changed.`, { confirm: `Type ${RESTORE_CONFIRMATION}.` });
    }
    // Found (and refused when removed) before the job starts: a wrong id changes nothing.
    const backup = await ctx.read((sql) => getBackup(sql, input.backupId));
    return runJob(input.jobId, ctx, async (signal, job) => {
      const dataDir = dirname(ctx.deps.localAudit.path);
      const result = await restoreLive(backup, {
        db: ctx.deps.db,
        dataDir,
        session,
        localAudit: ctx.deps.localAudit,
        store: new CheckpointStore(dataDir),
        vault: ctx.deps.vault,
        log: ctx.log,
        migrations: loadMigrations(sqlDir()),
        requestId: ctx.requestId,
        reason: input.reason ?? null,
        incidentId: input.incidentId ?? null,
        signal,
        onProgress: (p) => (job.progress = p),
      });
      job.progress = { phase: 'done', done: 0, total: null };
      return { restore: result, value: result };
    });
  },

  'backups.progress': async (input) => {
    const s = backupJobState(input.jobId);
    const p = s.progress;
    return {
      running: s.running,
      phase: p?.phase ?? null,
      done: p?.done ?? 0,
      total: p?.total ?? null,
      table: p?.table ?? null,
      backup: s.ended?.backup ?? null,
      drill: s.ended?.drill ?? null,
      restore: s.ended?.restore ?? null,
      error: s.ended?.error ?? null,
    };
  },

  'backups.cancel': async (input) => ({ cancelled: cancelBackupJob(input.jobId) }),

  'backups.setSchedule': async (input, ctx) => {
    if (input.enabled && ctx.deps.db.activeProfile?.kind !== 'embedded') {
      throw new McError('VALIDATION', 'Scheduled backups are for the embedded database; back up a remote database with its provider’s backups or Back up now.', { enabled: 'Embedded database only.' });
    }
    return { schedule: await setSchedule(ctx.sql, commandRecorder(ctx.session, ctx.audit), input) };
  },
} satisfies Partial<Handlers>;
