import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { PgTarget } from '../../db/pg-config';
import { ARCHIVE_SCHEMAS } from './archive-format';
import { BackupCancelled, type ProgressFn } from './progress';

const run = promisify(execFile);

export interface PgTools {
  dir: string;
  major: number;
  pgDump: string;
  pgRestore: string;
  /** The same installation's server, when it has one (a scratch cluster for the drill). */
  server: { postgres: string; initdb: string; pg_ctl: string } | null;
}

/** Where pg_dump may be: MC_PG_DUMP_DIR, then PATH, then Debian's /usr/lib/postgresql/N/bin. */
function candidateDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.MC_PG_DUMP_DIR) dirs.push(process.env.MC_PG_DUMP_DIR);
  for (const d of (process.env.PATH ?? '').split(delimiter)) if (d) dirs.push(d);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) dirs.push(join(debian, v, 'bin'));
  }
  return [...new Set(dirs)];
}

async function majorOf(pgDump: string): Promise<number | null> {
  try {
    const { stdout } = await run(pgDump, ['--version'], { timeout: 10_000 });
    const m = /(\d+)(?:\.\d+)?/.exec(stdout.replace(/^[^\d]*/, ''));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The newest pg_dump whose major version is at least the server's (pg_dump refuses a newer
 * server), with its pg_restore; null when there is none (then the built-in archive is used).
 */
export async function findPgTools(serverMajor: number): Promise<PgTools | null> {
  let best: PgTools | null = null;
  for (const dir of candidateDirs()) {
    const pgDump = join(dir, 'pg_dump');
    const pgRestore = join(dir, 'pg_restore');
    if (!existsSync(pgDump) || !existsSync(pgRestore)) continue;
    const major = await majorOf(pgDump);
    if (major === null || major < serverMajor || (best && best.major > major)) continue;
    const s = { postgres: join(dir, 'postgres'), initdb: join(dir, 'initdb'), pg_ctl: join(dir, 'pg_ctl') };
    const server = existsSync(s.postgres) && existsSync(s.initdb) && existsSync(s.pg_ctl) ? s : null;
    // At the same major, the installation that also has a server wins (Debian's /usr/bin/pg_dump
    // is a wrapper; /usr/lib/postgresql/N/bin has the server a drill can use as its scratch).
    if (best && best.major === major && (best.server || !server)) continue;
    best = { dir, major, pgDump, pgRestore, server };
  }
  return best;
}

function connArgs(target: PgTarget): string[] {
  return ['-h', target.host, '-p', String(target.port), '-U', target.user, '-d', target.database];
}

/** The password goes in the child's environment only: never on its command line (ps shows that). */
function envFor(password: string, sslmode: string): NodeJS.ProcessEnv {
  return { ...process.env, PGPASSWORD: password, PGSSLMODE: sslmode, PGCONNECT_TIMEOUT: '10', LC_ALL: 'C' };
}

function runTool(bin: string, args: string[], env: NodeJS.ProcessEnv, opts: { signal?: AbortSignal; onLine?: (line: string) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail: string[] = [];
    let partial = '';
    p.stderr.on('data', (c: Buffer) => {
      const lines = (partial + c.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        opts.onLine?.(l);
        tail = [...tail.slice(-4), l];
      }
    });
    const abort = () => p.kill('SIGTERM');
    opts.signal?.addEventListener('abort', abort, { once: true });
    p.on('error', (e) => reject(new Error(`${bin} could not run: ${e.message}`)));
    p.on('close', (code) => {
      opts.signal?.removeEventListener('abort', abort);
      if (opts.signal?.aborted) return reject(new BackupCancelled());
      // Error lines name tables and options, never the password (it is only in the environment).
      if (code === 0) resolve();
      else reject(new Error(`${bin.split('/').pop()} failed (exit ${code}): ${tail.filter((l) => !/^pg_(dump|restore): (dumping|processing|creating|restoring|reading|executing|finding|last built-in|identifying|saving|flagging|launching)/.test(l)).slice(-3).join(' ').slice(0, 500)}`));
    });
  });
}

/** pg_dump -Fc of the app's schemas, reading the snapshot the caller exported (so counts taken in it match the file). */
export function pgDump(tools: PgTools, target: PgTarget, password: string, file: string, snapshot: string, tableCount: number, opts: { signal?: AbortSignal; onProgress?: ProgressFn }): Promise<void> {
  let done = 0;
  const args = ['-Fc', '--verbose', `--snapshot=${snapshot}`, '-f', file, ...ARCHIVE_SCHEMAS.flatMap((s) => ['-n', s]), '-n', 'mc_meta', ...connArgs(target)];
  return runTool(tools.pgDump, args, envFor(password, target.sslmode), {
    ...opts,
    onLine: (l) => {
      const m = /dumping contents of table "?([^"\s]+)"?\.?"?([^"\s]*)"?/.exec(l);
      if (m) opts.onProgress?.({ phase: 'tables', done: ++done, total: tableCount, table: m[2] ? `${m[1]}.${m[2]}` : m[1] });
    },
  });
}

/**
 * The roles the dump's policies name (CREATE POLICY … TO role): the migrations name the role that
 * ran them, which a scratch cluster does not have. Read from the post-data section only (no rows).
 */
export async function policyRoles(tools: PgTools, file: string): Promise<string[]> {
  const { stdout } = await run(tools.pgRestore, ['--section=post-data', '--no-owner', '--no-privileges', '-f', '-', file], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  const roles = new Set<string>();
  for (const m of stdout.matchAll(/^CREATE POLICY .*? TO ((?:"[^"]+"|[a-z_][a-z0-9_$]*)(?:, (?:"[^"]+"|[a-z_][a-z0-9_$]*))*)/gm)) {
    for (const r of (m[1] ?? '').split(', ')) roles.add(r.startsWith('"') ? r.slice(1, -1).replace(/""/g, '"') : r);
  }
  for (const r of ['public', 'current_user', 'session_user', 'current_role']) roles.delete(r);
  return [...roles];
}

/** pg_restore into a scratch database: no owners or grants (its roles are made by the migrations). */
export function pgRestore(tools: PgTools, target: PgTarget, password: string, file: string, opts: { signal?: AbortSignal }): Promise<void> {
  return runTool(tools.pgRestore, ['--no-owner', '--no-privileges', '--exit-on-error', '-d', target.database, '-h', target.host, '-p', String(target.port), '-U', target.user, file], envFor(password, 'disable'), opts);
}
