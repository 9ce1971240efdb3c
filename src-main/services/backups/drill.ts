import { existsSync } from 'node:fs';
import type pg from 'pg';
import { toBase64 } from '../../../src-shared/domain/anchor/base64';
import { MerkleTree } from '../../../src-shared/domain/anchor/merkle';
import type { Logger } from '../../core/log';
import { embeddedBinaries } from '../../db/embedded-server';
import { applyMigrations, type MigrationFile } from '../../db/migrations';
import { sqlOf } from '../../db/sql';
import type { Vault } from '../../vault';
import { verifyAudit } from '../audit';
import { type CheckpointStore, loadKeyRing, openStored, ringKeys } from '../audit/anchor';
import { auditLeaf } from '../../../src-shared/domain/anchor/audit-tree';
import { sha256Bytes } from '../audit/anchor/node-crypto';
import { ArchiveError } from './archive-read';
import { restoreArchive } from './archive-restore';
import type { BackupFormat } from './backup';
import { hashFile } from './file-hash';
import { findPgTools, pgRestore, policyRoles } from './pg-dump';
import { BackupCancelled, type ProgressFn } from './progress';
import { startScratch } from './scratch';
import { tablesOf } from './snapshot';

/** The recorded backup a drill restores: the file and what it must be. */
export interface DrillSubject {
  path: string;
  format: BackupFormat;
  sha256: string;
  sizeBytes: number;
  serverVersion: string;
  migrationLevel: string;
  tables: Array<{ schema: string; table: string; rows: number }>;
}

export interface DrillResult {
  ok: boolean;
  countsOk: boolean;
  chainOk: boolean;
  chainMessage: string;
  tables: Array<{ schema: string; table: string; expected: number; restored: number }>;
  scratch: 'embedded' | 'pg15';
  startedAt: string;
  durationMs: number;
}

/** The backup cannot be drilled at all (file gone, altered, truncated): nothing is recorded. */
export class DrillRefused extends Error {}

export interface DrillDeps {
  orgId: string;
  migrations: readonly MigrationFile[];
  vault: Vault;
  store: CheckpointStore;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

const RESTORE_DB = 'mc_restored';

/**
 * Restore a backup into a scratch server (a temporary embedded server; for a pg_dump backup the
 * same installation's server when it has one, e.g. Debian's PostgreSQL 15), then compare every
 * table's row count with the record and verify the org's audit chain in the restored copy
 * against this workstation's signed checkpoints.
 */
export async function runRestoreDrill(subject: DrillSubject, deps: DrillDeps): Promise<DrillResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  if (!existsSync(subject.path)) throw new DrillRefused(`The backup file ${subject.path} is gone: it was moved or removed. Nothing was restored.`);
  deps.onProgress?.({ phase: 'hashing', done: 0, total: null });
  const { sha256, size } = await hashFile(subject.path, deps.signal);
  if (size !== subject.sizeBytes || sha256 !== subject.sha256) {
    throw new DrillRefused(
      `The backup file ${subject.path} is not the file that was recorded (${size === subject.sizeBytes ? 'same size, different sha256' : `${size} bytes instead of ${subject.sizeBytes}`}): it was altered or truncated. Nothing was restored; use another backup.`,
    );
  }
  const names = new Set<string>();
  const files = deps.migrations.filter((m) => {
    if (names.has(subject.migrationLevel)) return false;
    names.add(m.name);
    return true;
  });
  if (subject.migrationLevel !== 'none' && !names.has(subject.migrationLevel)) {
    throw new DrillRefused(`The backup was made at migration ${subject.migrationLevel}, which this app does not have: drill it with the app version that made it.`);
  }
  const serverMajor = Number(/PostgreSQL (\d+)/.exec(subject.serverVersion)?.[1] ?? 0);
  const tools = subject.format === 'pg_dump_custom' ? await findPgTools(serverMajor) : null;
  if (subject.format === 'pg_dump_custom' && !tools) throw new DrillRefused(`This is a pg_dump backup of PostgreSQL ${serverMajor}, and no pg_restore ${serverMajor} or newer is installed here.`);
  const binaries = tools?.server ?? (await embeddedBinaries());
  const scratchKind: DrillResult['scratch'] = tools?.server ? 'pg15' : 'embedded';
  deps.onProgress?.({ phase: 'scratch', done: 0, total: null });
  const scratch = await startScratch(deps.log, binaries);
  try {
    if (deps.signal?.aborted) throw new BackupCancelled();
    deps.onProgress?.({ phase: 'restoring', done: 0, total: subject.tables.length });
    if (subject.format === 'mc_archive') {
      await scratch.createDatabase(RESTORE_DB);
      const c = await scratch.client(RESTORE_DB);
      try {
        await restoreArchive(c, subject.path, files, { ...(deps.signal ? { signal: deps.signal } : {}), ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) });
      } catch (e) {
        if (e instanceof ArchiveError) throw new DrillRefused(e.message);
        throw e;
      } finally {
        await c.end().catch(() => undefined);
      }
    } else if (tools) {
      // The dump carries no roles; the policies name the app's. Migrating a side database makes them.
      await scratch.createDatabase('mc_roles');
      const side = await scratch.client('mc_roles');
      try {
        await applyMigrations(side, files);
        for (const role of await policyRoles(tools, subject.path)) {
          const exists = await side.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
          if (exists.rowCount === 0) await side.query(`CREATE ROLE "${role.replace(/"/g, '""')}" NOLOGIN`);
        }
      } finally {
        await side.end().catch(() => undefined);
      }
      await scratch.createDatabase(RESTORE_DB);
      try {
        await pgRestore(tools, scratch.target(RESTORE_DB), scratch.password, subject.path, deps.signal ? { signal: deps.signal } : {});
      } catch (e) {
        if (e instanceof BackupCancelled) throw e;
        throw new DrillRefused(`pg_restore could not restore the backup: ${(e as Error).message}`);
      }
    }
    deps.onProgress?.({ phase: 'verifying', done: 0, total: subject.tables.length });
    const c = await scratch.client(RESTORE_DB);
    try {
      const tables = await countTables(c, subject.tables);
      // A table of contents with no table proves nothing: it does not pass by default.
      const countsOk = tables.length > 0 && tables.every((t) => t.expected === t.restored);
      const chain = await verifyRestoredChain(c, deps);
      const durationMs = Math.round(performance.now() - t0);
      return { ok: countsOk && chain.ok, countsOk, chainOk: chain.ok, chainMessage: chain.message, tables, scratch: scratchKind, startedAt: startedAt.toISOString(), durationMs };
    } finally {
      await c.end().catch(() => undefined);
    }
  } finally {
    await scratch.stop();
  }
}

/** Every recorded table's rows in the restored database (-1: the table is missing). */
export async function countTables(c: pg.ClientBase, expected: DrillSubject['tables']): Promise<DrillResult['tables']> {
  const present = new Set((await tablesOf(c)).map((t) => `${t.schema}.${t.table}`));
  const out: DrillResult['tables'] = [];
  for (const t of expected) {
    let restored = -1;
    if (present.has(`${t.schema}.${t.table}`)) {
      const r = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${t.schema}"."${t.table.replace(/"/g, '""')}"`);
      restored = Number(r.rows[0]!.n);
    }
    out.push({ schema: t.schema, table: t.table, expected: t.rows, restored });
  }
  return out;
}

/**
 * The org's hash chain in the restored copy must verify, and its Merkle root must equal every
 * signed checkpoint of this workstation that covers no more events than the copy holds: the
 * restored history is the one the checkpoints vouched for, not a rewritten one.
 */
export async function verifyRestoredChain(c: pg.ClientBase, deps: Pick<DrillDeps, 'orgId' | 'vault' | 'store'>): Promise<{ ok: boolean; message: string }> {
  await c.query('BEGIN');
  try {
    await c.query(`SELECT set_config('mc.org_id', $1, true)`, [deps.orgId]);
    const leaves: Uint8Array[] = [];
    const chain = await verifyAudit(sqlOf(c), deps.orgId, (events) => {
      for (const e of events) leaves.push(auditLeaf(sha256Bytes, e));
    });
    if (!chain.ok) return { ok: false, message: `The restored audit chain is broken: ${chain.breaks.slice(0, 3).map((b) => `#${b.seq} ${b.description}`).join('; ')}.` };
    let stored;
    try {
      const ring = await loadKeyRing(deps.vault, deps.store.dir, deps.orgId);
      stored = openStored(deps.store.read(deps.orgId), ringKeys(ring), deps.orgId);
    } catch (e) {
      return { ok: false, message: `The restored chain verifies (${chain.checked} events), but this workstation's checkpoints cannot be read: ${(e as Error).message}` };
    }
    const tree = new MerkleTree(sha256Bytes, leaves);
    const covered = stored.filter((cp) => cp.size <= tree.size && cp.size > 0);
    const bad = covered.find((cp) => toBase64(tree.root(cp.size)) !== toBase64(cp.root));
    if (bad) return { ok: false, message: `The restored audit log disagrees with signed checkpoint ${bad.index + 1} (${bad.size} events): its history was rewritten.` };
    const newest = covered.at(-1);
    const later = stored.length - covered.length;
    return {
      ok: true,
      message:
        `The restored audit chain verifies (${chain.checked} events)` +
        (newest ? ` and matches ${covered.length === 1 ? 'signed checkpoint' : `all ${covered.length} signed checkpoints up to checkpoint`} ${newest.index + 1} (${newest.size} events).` : '; no signed checkpoint of this workstation covers it yet, so only the chain itself was checked.') +
        (later ? ` ${later} later checkpoint${later === 1 ? '' : 's'} cover${later === 1 ? 's' : ''} events made after the backup.` : ''),
    };
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
  }
}
