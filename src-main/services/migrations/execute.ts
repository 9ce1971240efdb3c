import type pg from 'pg';
import type { StatementReport } from '../../../src-shared/contract/migrations';
import type { Statement } from './statements';

export interface Timeouts {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export interface Outcome {
  statements: StatementReport[];
  error: string | null;
  errorLine: number | null;
}

async function begin(c: pg.Client, t: Timeouts): Promise<void> {
  await c.query('BEGIN');
  await c.query(`SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`, [`${t.lockTimeoutMs}ms`, `${t.statementTimeoutMs}ms`]);
}

/** Storage of every user table, to see which statement rewrote one (its relfilenode changes). */
async function storage(c: pg.Client): Promise<Map<string, string>> {
  const r = await c.query<{ oid: string; node: string }>(
    `SELECT c.oid::text AS oid, c.relfilenode::text AS node FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
  );
  return new Map(r.rows.map((x) => [x.oid, x.node]));
}

/**
 * The relation locks `pid` holds, read from pg_locks through a second session (a session's own
 * view of pg_locks is the same table, but reading it from outside is what an operator waiting on
 * the lock would see). Names are resolved in the locking session, which sees its own new tables.
 */
async function locksOf(observer: pg.Client, owner: pg.Client, pid: number): Promise<Map<string, Set<string>>> {
  const r = await observer.query<{ relation: string; mode: string }>(
    `SELECT relation::text AS relation, mode FROM pg_locks WHERE pid = $1 AND locktype = 'relation' AND granted AND relation >= 16384`,
    [pid],
  );
  const out = new Map<string, Set<string>>();
  for (const row of r.rows) {
    const name = (await owner.query<{ name: string | null }>('SELECT $1::oid::regclass::text AS name', [row.relation]).catch(() => ({ rows: [{ name: null }] }))).rows[0]?.name;
    if (!name) continue;
    (out.get(name) ?? out.set(name, new Set()).get(name)!).add(row.mode);
  }
  return out;
}

function errorOf(err: unknown, s: Statement): { message: string; line: number } {
  const e = err as { message?: string; code?: string; position?: string };
  const within = e.position ? s.text.slice(0, Number(e.position) - 1).split('\n').length - 1 : 0;
  const hint = e.code === '55P03' ? ' It waited for a lock longer than lock_timeout: another session holds the table. Try again when it is quiet, or raise the timeout.' : '';
  return { message: `Statement ${s.index + 1} (line ${s.line + within}) failed: ${e.message ?? String(err)}${e.code ? ` (SQLSTATE ${e.code})` : ''}.${hint}`, line: s.line + within };
}

/**
 * Run the statements in one transaction on `owner`. A dry run always rolls back and reports, per
 * statement, the locks it took and the tables it rewrote; statements that cannot run in a
 * transaction are flagged, not run. An apply commits only when every statement ran.
 */
export async function runStatements(owner: pg.Client, observer: pg.Client | null, statements: readonly Statement[], t: Timeouts, mode: 'dry-run' | 'apply'): Promise<Outcome> {
  const pid = (await owner.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const reports: StatementReport[] = [];
  let error: { message: string; line: number } | null = null;
  let phase: 'statements' | 'commit' = 'statements';
  await begin(owner, t);
  try {
    let held = new Map<string, Set<string>>();
    for (const s of statements) {
      const base = { index: s.index, line: s.line, text: s.text.slice(0, 2000), kind: s.kind, locks: [] as { relation: string; mode: string }[], rewrote: [] as string[] };
      if (error) {
        reports.push({ ...base, dryRun: 'skipped', note: 'Not run: an earlier statement failed.' });
        continue;
      }
      if (s.notInTransaction) {
        reports.push({ ...base, dryRun: 'flagged', note: s.notInTransaction });
        continue;
      }
      const before = observer ? await storage(owner) : null;
      await owner.query('SAVEPOINT stmt');
      try {
        await owner.query(s.text);
      } catch (err) {
        if (lostConnection(err)) throw err;
        await owner.query('ROLLBACK TO SAVEPOINT stmt');
        error = errorOf(err, s);
        reports.push({ ...base, dryRun: 'failed', note: error.message });
        continue;
      }
      if (observer && before) {
        const now = await locksOf(observer, owner, pid);
        for (const [relation, modes] of now) for (const m of modes) if (!held.get(relation)?.has(m)) base.locks.push({ relation, mode: m });
        held = now;
        const after = await storage(owner);
        for (const [oid, node] of after) {
          if (before.has(oid) && before.get(oid) !== node) {
            base.rewrote.push((await owner.query<{ name: string }>('SELECT $1::oid::regclass::text AS name', [oid])).rows[0]!.name);
          }
        }
      }
      reports.push({ ...base, dryRun: 'ran', note: null });
    }
    if (mode === 'apply' && !error) {
      phase = 'commit';
      await owner.query('COMMIT');
    } else await owner.query('ROLLBACK');
  } catch (err) {
    await owner.query('ROLLBACK').catch(() => undefined);
    // The session itself went away (terminated, network lost): say so, and whether COMMIT was
    // already sent, since only then can the outcome be in doubt.
    if (lostConnection(err)) throw new ConnectionLost(phase, err instanceof Error ? err.message : String(err));
    throw err;
  }
  return { statements: reports, error: error?.message ?? null, errorLine: error?.line ?? null };
}

/** The session applying a file was lost; `phase` says whether COMMIT had been sent. */
export class ConnectionLost extends Error {
  constructor(
    readonly phase: 'statements' | 'commit',
    readonly detail: string,
  ) {
    super(`connection lost during ${phase}: ${detail}`);
  }
}

/** Errors that end the session rather than one statement (admin shutdown / terminate, network). */
function lostConnection(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && ['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE'].includes(e.code)) return true;
  return /Connection terminated|Client has encountered a connection error|not queryable/i.test(e.message ?? '');
}
