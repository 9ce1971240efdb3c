import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import pg from 'pg';
import { McError } from '../../../src-shared/contract/errors';
import { clientConfig, type PgTarget } from '../../db/pg-config';
import { writeArchive } from './archive-write';
import { hashFile } from './file-hash';
import { findPgTools, pgDump } from './pg-dump';
import { BackupCancelled, type ProgressFn } from './progress';
import { appliedMigrations, serverVersionOf, tablesOf } from './snapshot';

export type BackupFormat = 'pg_dump_custom' | 'mc_archive';

/** What a finished backup file is: what the record keeps, and what a drill checks it against. */
export interface BackupFile {
  path: string;
  format: BackupFormat;
  formatReason: string;
  sizeBytes: number;
  sha256: string;
  serverVersion: string;
  migrationLevel: string;
  tables: Array<{ schema: string; table: string; rows: number }>;
  auditEvents: number;
  durationMs: number;
}

export interface OwnerCredentials {
  target: PgTarget;
  password: string;
}

/** An absolute folder this workstation can write (made, 0700, when missing). */
export function backupFolder(folder: string): string {
  if (!isAbsolute(folder)) throw new McError('VALIDATION', 'Give the backup folder as a full path (e.g. /home/you/backups).', { folder: 'A full path.' });
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new McError('VALIDATION', `The backup folder ${folder} cannot be created (${(e as NodeJS.ErrnoException).code ?? 'error'}): choose a folder you can write.`, { folder: 'Not writable.' });
  }
  return folder;
}

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Back up the database the owner credentials reach into `folder`. pg_dump -Fc when a pg_dump at
 * least as new as the server is installed; the built-in archive otherwise. The file is written
 * under a .partial name and renamed only when whole, so a cancel or a failure leaves nothing
 * that looks like a backup.
 */
export async function makeBackup(owner: OwnerCredentials, folder: string, opts: { signal?: AbortSignal; onProgress?: ProgressFn; now?: Date } = {}): Promise<BackupFile> {
  const started = Date.now();
  const dir = backupFolder(folder);
  const client = new pg.Client(clientConfig(owner.target, owner.password));
  client.on('error', () => undefined);
  await client.connect();
  let partial: string | null = null;
  try {
    opts.onProgress?.({ phase: 'snapshot', done: 0, total: null });
    const version = await serverVersionOf(client);
    const major = Math.floor(version.num / 10_000);
    const tools = await findPgTools(major);
    const base = `mc-backup-${stamp(opts.now ?? new Date())}-${randomBytes(3).toString('hex')}`;
    let result: Omit<BackupFile, 'path' | 'sizeBytes' | 'sha256' | 'durationMs'>;
    let finalName: string;
    if (tools) {
      finalName = `${base}.dump`;
      partial = join(dir, `${finalName}.partial`);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
      const tables = await tablesOf(client);
      const counts: BackupFile['tables'] = [];
      for (const t of tables) {
        const r = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${t.schema}"."${t.table.replace(/"/g, '""')}"`);
        counts.push({ schema: t.schema, table: t.table, rows: Number(r.rows[0]!.n) });
      }
      const migrations = await appliedMigrations(client);
      // The file exists, owner-only, before pg_dump writes the whole database into it (pg_dump -f
      // truncates an existing file and keeps its mode; a file it made would follow the umask).
      closeSync(openSync(partial, 'wx', 0o600));
      await pgDump(tools, owner.target, owner.password, partial, snapshot, tables.length, opts);
      chmodSync(partial, 0o600);
      await client.query('ROLLBACK');
      result = {
        format: 'pg_dump_custom',
        formatReason: `pg_dump ${tools.major} (${tools.dir}) can dump this PostgreSQL ${major} server.`,
        serverVersion: version.text,
        migrationLevel: migrations.at(-1) ?? 'none',
        tables: counts,
        auditEvents: counts.find((t) => t.schema === 'mc' && t.table === 'audit_events')?.rows ?? 0,
      };
    } else {
      finalName = `${base}.mcarchive.gz`;
      partial = join(dir, `${finalName}.partial`);
      const { header, toc } = await writeArchive(client, partial, opts);
      result = {
        format: 'mc_archive',
        formatReason: `No pg_dump ${major} or newer is installed (pg_dump refuses a newer server), so the built-in consistent archive was written.`,
        serverVersion: header.serverVersion,
        migrationLevel: header.migrations.at(-1) ?? 'none',
        tables: toc.tables.map((t) => ({ schema: t.schema, table: t.table, rows: t.rows })),
        auditEvents: toc.tables.find((t) => t.schema === 'mc' && t.table === 'audit_events')?.rows ?? 0,
      };
    }
    opts.onProgress?.({ phase: 'hashing', done: 0, total: null });
    const { sha256, size } = await hashFile(partial, opts.signal);
    if (opts.signal?.aborted) throw new BackupCancelled();
    const path = join(dir, finalName);
    renameSync(partial, path);
    partial = null;
    return { ...result, path, sizeBytes: size, sha256, durationMs: Date.now() - started };
  } catch (e) {
    if (opts.signal?.aborted) throw new BackupCancelled();
    throw e;
  } finally {
    if (partial) rmSync(partial, { force: true });
    await client.end().catch(() => undefined);
  }
}
