import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientBase } from 'pg';
import { type Sql, sqlOf } from './sql';

/**
 * The migration runner: sql/NNNN_name.sql applied in order, one transaction per file, recorded in
 * a ledger with the file's sha256. A changed applied file (drift) stops everything; so does a file
 * in the ledger that this build does not have (the database was migrated by a newer build).
 */
export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface LedgerRow {
  name: string;
  checksum: string;
  applied_at: string;
}

export interface MigrationPlan {
  applied: string[];
  pending: MigrationFile[];
  drift: { name: string; recorded: string; current: string }[];
  unknown: string[];
  total: number;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly file: string | null = null,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;
const LEDGER = 'mc_meta.migrations';
/** One lock id for "someone is migrating this database" (arbitrary, stable). */
export const MIGRATION_LOCK_ID = 7_305_114_220_341;

/**
 * Every migration file opens with its own timeouts, for whoever applies it by hand (Supabase's SQL
 * editor, psql), exactly in this form on the first line, optionally followed by one blank line:
 *   SET lock_timeout = '5s'; SET statement_timeout = '60s';
 * The runner sets its own (SET LOCAL, per file) and so leaves this line out: it neither runs it
 * nor counts it in the checksum. That is what let 0001-0014 gain the line without looking like
 * drift to databases migrated before, and a change of those values is not drift either.
 */
export const TIMEOUT_PREAMBLE = /^SET lock_timeout = '[^'\n]*'; SET statement_timeout = '[^'\n]*';[ \t]*\n\n?/;

/** The part of a file the runner runs and checksums, with the preamble's lines kept as blank lines (line numbers stay right). */
export function runnableOf(sql: string): string {
  return sql.replace(/\r\n/g, '\n').replace(TIMEOUT_PREAMBLE, (m) => '\n'.repeat(m.split('\n').length - 1));
}

/** CRLF is normalised so a checkout on Windows does not look like drift; the timeout preamble is not counted. */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n').replace(TIMEOUT_PREAMBLE, ''), 'utf8').digest('hex');
}

export function loadMigrations(dir: string): MigrationFile[] {
  const names = readdirSync(dir).filter((f) => f.endsWith('.sql') && /^\d/.test(f));
  const files: MigrationFile[] = [];
  const numbers = new Set<string>();
  for (const name of names.sort()) {
    const m = FILE_PATTERN.exec(name);
    if (!m) throw new MigrationError(`Migration file name "${name}" must look like NNNN_lower_snake.sql.`, name);
    if (numbers.has(m[1] as string)) throw new MigrationError(`Two migration files share the number ${m[1]}.`, name);
    numbers.add(m[1] as string);
    const sql = readFileSync(join(dir, name), 'utf8');
    files.push({ name, sql, checksum: checksumOf(sql) });
  }
  return files;
}

async function ledgerExists(sql: Sql): Promise<boolean> {
  const r = await sql.one<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [LEDGER]);
  return r.exists;
}

async function ensureLedger(client: ClientBase): Promise<void> {
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS mc_meta;
    REVOKE ALL ON SCHEMA mc_meta FROM PUBLIC;
    CREATE TABLE IF NOT EXISTS ${LEDGER} (
      name        text PRIMARY KEY,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now(),
      applied_by  text NOT NULL DEFAULT current_user,
      duration_ms integer NOT NULL
    )`);
}

export async function readLedger(sql: Sql): Promise<LedgerRow[]> {
  if (!(await ledgerExists(sql))) return [];
  return sql.query<LedgerRow>(`SELECT name, checksum, applied_at FROM ${LEDGER} ORDER BY name`);
}

export function plan(files: readonly MigrationFile[], ledger: readonly LedgerRow[]): MigrationPlan {
  const byName = new Map(ledger.map((r) => [r.name, r]));
  const known = new Set(files.map((f) => f.name));
  const drift: MigrationPlan['drift'] = [];
  const pending: MigrationFile[] = [];
  for (const f of files) {
    const row = byName.get(f.name);
    if (!row) pending.push(f);
    else if (row.checksum !== f.checksum) drift.push({ name: f.name, recorded: row.checksum, current: f.checksum });
  }
  return {
    applied: ledger.map((r) => r.name).filter((n) => known.has(n)),
    pending,
    drift,
    unknown: ledger.map((r) => r.name).filter((n) => !known.has(n)),
    total: files.length,
  };
}

export function refusalOf(p: MigrationPlan): MigrationError | null {
  const d = p.drift[0];
  if (d) {
    return new MigrationError(
      `Migration ${d.name} was changed after it was applied (recorded sha256 ${d.recorded.slice(0, 12)}…, file now ${d.current.slice(0, 12)}…). ` +
        'Restore the original file and put the change in a new migration.',
      d.name,
    );
  }
  if (p.unknown.length > 0) {
    return new MigrationError(
      `This database has migrations this build does not know (${p.unknown.join(', ')}): it was upgraded by a newer Mission Control. Use that version.`,
      p.unknown[0] ?? null,
    );
  }
  return null;
}

export interface ApplyOptions {
  /** How long to wait for another runner holding the lock. */
  lockWaitMs?: number;
  lockTimeout?: string;
  statementTimeout?: string;
  onProgress?: (event: { file: string; index: number; total: number; durationMs?: number }) => void;
}

export interface ApplyResult {
  applied: string[];
  skipped: number;
}

/** Line number (1-based) of a character offset, to point at the failing statement. */
function lineOf(sql: string, position: number): number {
  return sql.slice(0, Math.max(0, position - 1)).split('\n').length;
}

async function acquireLock(client: ClientBase, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [MIGRATION_LOCK_ID]);
    if (r.rows[0]?.ok) return;
    if (Date.now() >= deadline) {
      const holder = await client.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND ((classid::bigint << 32) | objid::bigint) = $1 LIMIT 1`,
        [MIGRATION_LOCK_ID],
      );
      const pid = holder.rows[0]?.pid;
      throw new MigrationError(
        `Another migration runner is applying migrations to this database${pid ? ` (server process ${pid})` : ''}. ` +
          'Wait for it to finish, then try again.',
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Apply pending migrations. The caller's client must be the database owner (the migration user);
 * the app's own role can never run this.
 */
export async function applyMigrations(client: ClientBase, files: readonly MigrationFile[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  await acquireLock(client, opts.lockWaitMs ?? 60_000);
  try {
    await ensureLedger(client);
    const p = plan(files, await readLedger(sqlOf(client)));
    const refusal = refusalOf(p);
    if (refusal) throw refusal;
    const applied: string[] = [];
    for (const [i, f] of p.pending.entries()) {
      opts.onProgress?.({ file: f.name, index: i, total: p.pending.length });
      const started = Date.now();
      const runnable = runnableOf(f.sql);
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL lock_timeout = '${opts.lockTimeout ?? '10s'}'`);
        await client.query(`SET LOCAL statement_timeout = '${opts.statementTimeout ?? '120s'}'`);
        await client.query(runnable);
        await client.query(`INSERT INTO ${LEDGER} (name, checksum, duration_ms) VALUES ($1, $2, $3)`, [f.name, f.checksum, Date.now() - started]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        const e = err as { message?: string; position?: string; code?: string };
        const where = e.position ? ` at line ${lineOf(runnable, Number(e.position))}` : '';
        throw new MigrationError(
          `Migration ${f.name} failed${where}: ${e.message ?? String(err)}${e.code ? ` (SQLSTATE ${e.code})` : ''}. Nothing of it was applied.`,
          f.name,
        );
      }
      applied.push(f.name);
      opts.onProgress?.({ file: f.name, index: i, total: p.pending.length, durationMs: Date.now() - started });
    }
    return { applied, skipped: p.applied.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
  }
}

/** Read-only view for the Connections screen and /healthz; works as the app role too. */
export async function migrationStateOf(sql: Sql, files: readonly MigrationFile[]) {
  const p = plan(files, await readLedger(sql));
  return {
    applied: p.applied.length,
    total: p.total,
    pending: p.pending.map((f) => f.name),
    drift: [...p.drift.map((d) => d.name), ...p.unknown],
  };
}

export function migrationState(client: ClientBase, files: readonly MigrationFile[]) {
  return migrationStateOf(sqlOf(client), files);
}
