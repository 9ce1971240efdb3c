import { existsSync, renameSync, rmSync } from 'node:fs';
import pg from 'pg';
import { McError } from '../../../src-shared/contract/errors';
import type { Session } from '../../../src-shared/contract/system';
import type { LocalAuditLog } from '../../core/local-audit';
import type { Logger } from '../../core/log';
import type { DatabaseManager } from '../../db';
import type { MigrationFile } from '../../db/migrations';
import { clientConfig } from '../../db/pg-config';
import { clearRestoreMarker, writeRestoreMarker } from '../../db/restore-marker';
import type { Vault } from '../../vault';
import type { CheckpointStore } from '../audit/anchor';
import { ArchiveError } from './archive-read';
import { restoreArchive } from './archive-restore';
import { countTables, type DrillResult, verifyRestoredChain } from './drill';
import { hashFile } from './file-hash';
import { BackupCancelled, type ProgressFn } from './progress';
import { drillSubject, type BackupRow } from './records';
import { type LiveTail, lostSince, readLiveTail, recordRestoreInDatabase } from './restore-record';

/** The data-loss runbook's steps, in order; each is recorded as it happens. */
export type RestoreStepName = 'stop_writes' | 'check' | 'restore' | 'verify' | 'resume' | 'rollback';

export interface RestoreStep {
  step: RestoreStepName;
  outcome: 'started' | 'done' | 'failed';
  at: string;
  message: string;
}

export interface LiveRestoreResult {
  backupId: string;
  backupCreatedAt: string;
  backupFile: string;
  /** Where the cluster that was replaced is kept (never deleted by the app). */
  previousCluster: string;
  tables: DrillResult['tables'];
  countsOk: boolean;
  chainOk: boolean;
  chainMessage: string;
  /** The org's audit events after the backup: what the restore took away. */
  lost: { events: number; from: string | null; to: string | null; actions: Array<{ action: string; count: number }> };
  steps: RestoreStep[];
  /** Whether the restore was recorded in the restored database (audit events), and why not. */
  recorded: { ok: boolean; message: string };
  incident: { id: string; recorded: boolean; message: string } | null;
  durationMs: number;
}

/** Refused before anything was touched: the database is as it was and writes resumed. */
export class RestoreRefused extends Error {}
/** Failed after the swap began: the previous cluster was put back and the app reconnected to it. */
export class RestoreRolledBack extends Error {}

export type RestoreFault = 'loaded' | 'verified';

export interface LiveRestoreDeps {
  db: DatabaseManager;
  /** The data folder: where the restore's marker is kept while the cluster is swapped. */
  dataDir: string;
  session: Session;
  localAudit: LocalAuditLog;
  store: CheckpointStore;
  vault: Vault;
  log: Logger;
  migrations: readonly MigrationFile[];
  requestId: string;
  reason: string | null;
  incidentId: string | null;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Tests only: fail at this point to prove the previous database comes back. */
  fault?: (at: RestoreFault) => void;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Restore a recorded backup over the live embedded database (docs/runbooks.md, "Data loss"):
 * stop writes, check the file, swap in a fresh cluster loaded from it, verify counts and the
 * audit chain, reconnect and resume. The replaced cluster is moved aside, never deleted; any
 * failure after the swap began puts it back and reconnects to it. Every step goes to the local
 * audit log as it happens (the database may be down), and into the restored database once it is up.
 */
export async function restoreLive(backup: BackupRow, deps: LiveRestoreDeps): Promise<LiveRestoreResult> {
  const { db, session, localAudit } = deps;
  const t0 = performance.now();
  if (db.activeProfile?.kind !== 'embedded') throw new McError('VALIDATION', 'A restore over the live database is for the embedded database only; restore a remote database with its provider’s tools.');
  const subject = drillSubject(backup);
  if (subject.format !== 'mc_archive') {
    throw new McError('CONFLICT', 'This backup was written by pg_dump; a restore over the live database takes the built-in archive (what the embedded database’s backups are). Restore a pg_dump file by hand with pg_restore, or choose another backup.');
  }
  // Nothing may change that cannot be recorded: the workstation's log must be writable first.
  try {
    localAudit.prepare();
  } catch (err) {
    throw new McError('UNAVAILABLE', `${(err as Error).message}. Nothing was changed; fix the file or its folder and try again.`);
  }
  const steps: RestoreStep[] = [];
  const record = (step: RestoreStepName, outcome: RestoreStep['outcome'], message: string, data: Record<string, unknown> = {}) => {
    const s: RestoreStep = { step, outcome, at: new Date().toISOString(), message };
    steps.push(s);
    deps.log.info({ step, outcome, backupId: backup.id }, 'restore step');
    localAudit.append({
      actor: session.operatorName,
      action: 'backup.restore_step',
      target: { type: 'backup', id: backup.id },
      reason: deps.reason,
      data: { step, outcome, message, backup: { id: backup.id, createdAt: backup.createdAt, file: backup.path, sha256: backup.sha256 }, ...data },
      requestId: deps.requestId,
    });
  };
  const progress = deps.onProgress ?? (() => undefined);

  // 1. Stop writes.
  progress({ phase: 'stop_writes', done: 0, total: null });
  await db.beginMaintenance({ kind: 'restore', since: new Date().toISOString(), by: session.operatorName, backupId: backup.id });
  let tail: LiveTail;
  let seeds: SeedRow[];
  try {
    record('stop_writes', 'done', 'Writes stopped: commands are refused and background jobs (demo agent, gateway, ops clock, scans) are stopped.');
    // 2. Check the backup before anything is touched.
    progress({ phase: 'checking', done: 0, total: null });
    const problem = await checkFile(subject, deps);
    if (problem) {
      record('check', 'failed', problem);
      throw new RestoreRefused(problem);
    }
    record('check', 'done', `The file matches its record (${subject.sizeBytes} bytes, sha256 ${subject.sha256.slice(0, 16)}…).`);
    tail = await readLiveTail(db, session, backup);
    seeds = await readSeedLedger(db);
  } catch (err) {
    db.endMaintenance();
    const message = err instanceof RestoreRefused ? err.message : err instanceof BackupCancelled ? 'The restore was cancelled before anything was changed.' : `The restore stopped before anything was changed: ${(err as Error).message}`;
    record('resume', 'done', `Writes resumed; the database was not touched. ${message}`);
    throw err instanceof RestoreRefused ? err : new RestoreRefused(message);
  }

  // 3. Restore into a fresh cluster; the live one is moved aside.
  const clusterDir = db.embeddedClusterDir;
  const at = new Date();
  const aside = `${clusterDir}.before-restore-${stamp(at)}`;
  let step: RestoreStepName = 'restore';
  let swapped = false;
  let verified: { tables: DrillResult['tables']; countsOk: boolean; chainOk: boolean; chainMessage: string; restoredHead: number };
  const restoredSizes = new Map<string, number>();
  try {
    record('restore', 'started', `Stopping the embedded database; its cluster folder is kept at ${aside}.`, { previousCluster: aside });
    progress({ phase: 'swapping', done: 0, total: null });
    writeRestoreMarker(deps.dataDir, { previousCluster: aside, backupId: backup.id, at: at.toISOString() });
    await db.detachEmbedded(`A restore is in progress: the database is being replaced by the backup of ${backup.createdAt.slice(0, 16).replace('T', ' ')} UTC.`);
    renameSync(clusterDir, aside);
    swapped = true;
    const creds = await db.startEmbeddedForRestore();
    const c = new pg.Client(clientConfig(creds.target, creds.password));
    c.on('error', () => undefined);
    await c.connect();
    try {
      progress({ phase: 'restoring', done: 0, total: subject.tables.length });
      const upTo = deps.migrations.slice(0, deps.migrations.findIndex((m) => m.name === subject.migrationLevel) + 1);
      try {
        await restoreArchive(c, subject.path, upTo, { onProgress: progress });
      } catch (e) {
        throw e instanceof ArchiveError ? new Error(e.message) : e;
      }
      await writeSeedLedger(c, seeds);
      record('restore', 'done', `The backup was loaded into a fresh cluster (${subject.tables.length} tables).`);
      deps.fault?.('loaded');
      // 4. Verify before resuming.
      step = 'verify';
      progress({ phase: 'verifying', done: 0, total: subject.tables.length });
      const tables = await countTables(c, subject.tables);
      const countsOk = tables.every((t) => t.expected === t.restored);
      const chain = await verifyRestoredChain(c, { orgId: session.orgId, vault: deps.vault, store: deps.store });
      const head = await c.query<{ n: number }>('SELECT coalesce(max(seq), 0)::int AS n FROM mc.audit_events WHERE org_id = $1', [session.orgId]);
      verified = { tables, countsOk, chainOk: chain.ok, chainMessage: chain.message, restoredHead: head.rows[0]?.n ?? 0 };
      if (!countsOk || !chain.ok) {
        const bad = tables.filter((t) => t.expected !== t.restored).slice(0, 5).map((t) => `${t.schema}.${t.table} ${t.restored}/${t.expected}`);
        throw new Error(countsOk ? chain.message : `row counts differ from the backup's table of contents (${bad.join(', ')})`);
      }
      record('verify', 'done', `Every table's rows match the backup's table of contents (${tables.length} tables). ${chain.message}`);
      // How many audit events each org this workstation anchors has in the restored copy (see below).
      for (const org of deps.store.orgs()) {
        const n = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM mc.audit_events WHERE org_id = $1', [org]);
        restoredSizes.set(org, n.rows[0]?.n ?? 0);
      }
      deps.fault?.('verified');
      // Sign-ins are database logins of the replaced cluster; the fresh one has none of them, so
      // their mappings go (everyone signs in again; this workstation's admin does so on reconnect).
      await c.query('DELETE FROM mc.member_logins WHERE role_name NOT IN (SELECT rolname::text FROM pg_roles)');
    } finally {
      await c.end().catch(() => undefined);
    }
    // 5. Resume: the app reconnects (migrations to this build, logins, sign-in) to the restored database.
    step = 'resume';
    progress({ phase: 'resuming', done: 0, total: null });
    await db.reattachEmbedded();
    clearRestoreMarker(deps.dataDir);
  } catch (err) {
    const why = (err as Error).message;
    record(step, 'failed', why);
    progress({ phase: 'rolling_back', done: 0, total: null });
    await rollBack(db, deps.dataDir, clusterDir, aside, swapped, at, why, (outcome, message) => record('rollback', outcome, message));
    const message = `The restore failed at step “${step}” (${why}). The previous database was put back and the app reconnected to it; nothing was lost.`;
    await recordRestoreInDatabase(db, deps, backup, { steps, failed: message }).catch((e: Error) => deps.log.warn({ err: e.message }, 'restore: the failure could not be recorded in the database'));
    throw new RestoreRolledBack(message);
  }

  // The restore rolled each org's audit log back: this workstation's checkpoints of the events it
  // took away are set aside (kept beside, never deleted), so the anchored verify checks the
  // restored history instead of reporting the restore itself as tampering. Done only once the
  // restore stands: a rolled-back restore leaves the checkpoints as they were.
  const tag = new Date().toISOString().replace(/[-:.]/g, '');
  for (const [org, size] of restoredSizes) {
    try {
      const forked = deps.store.forkAfterRestore(org, size, tag);
      if (forked) record('resume', 'done', `${forked.setAside} signed checkpoint(s) of org ${org} cover events the restore took away; they are kept in ${forked.asideFile}, and the next checkpoint signs the restored history.`, { org, asideFile: forked.asideFile, setAside: forked.setAside });
    } catch (e) {
      record('resume', 'failed', `The checkpoints of org ${org} could not be set aside (${(e as Error).message}); the anchored verify will report the restore as a truncated history.`);
    }
  }
  const lost = lostSince(tail, verified.restoredHead);
  record('resume', 'done', `The app is connected to the restored database; writes resumed. ${lost.events} audit event${lost.events === 1 ? '' : 's'} made after the backup ${lost.events === 1 ? 'is' : 'are'} gone.`);
  const recorded = await recordRestoreInDatabase(db, deps, backup, { steps, previousCluster: aside, lost, verified }).catch((e: Error) => ({
    ok: false,
    message: `The restore stands, but it could not be recorded in the restored database: ${e.message}. The workstation's audit log has every step.`,
    incident: deps.incidentId ? { id: deps.incidentId, recorded: false, message: 'Not recorded: the restore could not be written to the restored database.' } : null,
  }));
  // Lifted last: the restored chain's first new events are the restore's own.
  db.endMaintenance();
  return {
    backupId: backup.id,
    backupCreatedAt: backup.createdAt,
    backupFile: backup.path,
    previousCluster: aside,
    tables: verified.tables,
    countsOk: verified.countsOk,
    chainOk: verified.chainOk,
    chainMessage: verified.chainMessage,
    lost,
    steps,
    recorded: { ok: recorded.ok, message: recorded.message },
    incident: recorded.incident,
    durationMs: Math.round(performance.now() - t0),
  };
}

/** The drill's file check (present, same size and sha256, a migration this app has); a reason when it fails. */
async function checkFile(subject: ReturnType<typeof drillSubject>, deps: LiveRestoreDeps): Promise<string | null> {
  if (!existsSync(subject.path)) return `The backup file ${subject.path} is gone: it was moved or removed. Nothing was changed.`;
  let got: { sha256: string; size: number };
  try {
    got = await hashFile(subject.path, deps.signal);
  } catch (e) {
    if (deps.signal?.aborted) throw new BackupCancelled();
    return `The backup file ${subject.path} cannot be read (${(e as Error).message}). Nothing was changed.`;
  }
  if (got.size !== subject.sizeBytes || got.sha256 !== subject.sha256) {
    return `The backup file ${subject.path} is not the file that was recorded (${got.size === subject.sizeBytes ? 'same size, different sha256' : `${got.size} bytes instead of ${subject.sizeBytes}`}): it was altered or truncated. Nothing was changed; choose another backup.`;
  }
  if (!deps.migrations.some((m) => m.name === subject.migrationLevel)) {
    return `The backup was made at migration ${subject.migrationLevel}, which this app does not have: restore it with the app version that made it. Nothing was changed.`;
  }
  if (deps.signal?.aborted) throw new BackupCancelled();
  return null;
}

/**
 * Put the previous cluster back: stop whatever server the restore started, set the new cluster
 * aside (removed: it is only a partial copy of the backup), move the previous one back, reconnect.
 * Writes resume either way; if even this fails the previous cluster stays where the message says.
 */
async function rollBack(
  db: DatabaseManager,
  dataDir: string,
  clusterDir: string,
  aside: string,
  swapped: boolean,
  at: Date,
  why: string,
  record: (outcome: 'done' | 'failed', message: string) => void,
): Promise<void> {
  try {
    await db.stopEmbeddedForRestore();
    if (swapped) {
      if (existsSync(clusterDir)) {
        const failed = `${clusterDir}.failed-restore-${stamp(at)}`;
        renameSync(clusterDir, failed);
        rmSync(failed, { recursive: true, force: true });
      }
      renameSync(aside, clusterDir);
    }
    // One cluster in place again: a restart now opens it as it is.
    clearRestoreMarker(dataDir);
    await db.reattachEmbedded();
    record('done', `The previous database was put back${swapped ? ` (from ${aside})` : ''} and the app reconnected to it.`);
  } catch (e) {
    const message = `The restore failed (${why}) and putting the previous database back failed too (${(e as Error).message}). The previous cluster is kept at ${swapped && existsSync(aside) ? aside : clusterDir}: restart Mission Control, which puts it back in place on start; if it cannot, stop it, move that folder to ${clusterDir}, and start again.`;
    record('failed', message);
    db.endMaintenance();
    throw new McError('UNAVAILABLE', message);
  }
  db.endMaintenance();
}

type SeedRow = { name: string; checksum: string; applied_at: string };

/**
 * The seed ledger (mc_meta.seeds) is not in a backup (the archive holds the app's schemas): the
 * live one is carried over, so connecting to the restored database does not load the demo org a
 * second time over the restored rows.
 */
async function readSeedLedger(db: DatabaseManager): Promise<SeedRow[]> {
  return db.withOwner(async (c) => {
    const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('mc_meta.seeds')::text AS t`);
    if (!exists.rows[0]?.t) return [];
    return (await c.query<SeedRow>('SELECT name, checksum, applied_at::text AS applied_at FROM mc_meta.seeds')).rows;
  });
}

async function writeSeedLedger(c: pg.ClientBase, rows: SeedRow[]): Promise<void> {
  if (!rows.length) return;
  await c.query(`CREATE TABLE IF NOT EXISTS mc_meta.seeds (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const r of rows) await c.query('INSERT INTO mc_meta.seeds (name, checksum, applied_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT (name) DO NOTHING', [r.name, r.checksum, r.applied_at]);
}
