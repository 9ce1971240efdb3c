import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isServerOf } from '../src-main/db/embedded-server';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TEST_KEYCHAIN_SERVICE = 'UmamiEdge Mission Control (test)';

export interface Host {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * The browser host exactly as `npm run serve` runs it (the built out/main/serve.js), in its own
 * data folder with its own embedded PostgreSQL, on a free port.
 */
export async function startHost(opts: { readOnly?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Host> {
  const entry = join(ROOT, 'out', 'main', 'serve.js');
  if (!existsSync(entry) || !existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('The app is not built: run `npm run build` (npm test does it first).');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'mc-e2e-'));
  chmodSync(dataDir, 0o711);
  const child = spawn(process.execPath, [entry, '--data-dir', dataDir, ...(opts.readOnly ? ['--read-only'] : [])], {
    cwd: ROOT,
    // The demo gateway's customer, runtimes and traffic would change what the views show mid-spec;
    // a spec that wants it passes MC_DEMO_GATEWAY: '1'.
    env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE, MC_DEMO_GATEWAY: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const t = setTimeout(() => reject(new Error(`host did not print its address within ${START_PATIENCE_MS / 1000} s: ${tail(err)}`)), START_PATIENCE_MS);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^Mission Control at (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)$/m.exec(out);
      if (m) {
        clearTimeout(t);
        resolveUrl(m[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code}): ${tail(err)}`)));
  }).catch(async (e: unknown) => {
    // A host that never started must not outlive the spec: its PostgreSQL would load every later one.
    await stopChild(child, dataDir);
    throw e;
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') as string,
    dataDir,
    child,
    stderr: () => err,
    stop: () => stopChild(child, dataDir),
  };
}

/** Long enough for a loaded 2-core CI machine to create a cluster and migrate it; short of the fixture's timeout. */
const START_PATIENCE_MS = 90_000;

/** The end of a host's stderr, for an error that says why it did not start. */
function tail(text: string): string {
  const t = text.trim();
  return t ? t.slice(-1500) : '(nothing on stderr)';
}

/**
 * Stop a host: SIGTERM lets it stop its PostgreSQL; one that does not exit in 20 s is killed, and
 * so is the PostgreSQL it leaves (named by the cluster's pid file), so that no spec's host outlives it.
 */
async function stopChild(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<boolean>((r) => child.once('exit', () => r(true)));
    child.kill('SIGTERM');
    const done = await Promise.race([exited, new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    // Only that cluster's own server: a stale pid file can name a pid the system has given to
    // another program since (a test keyring daemon killed this way would fail every later store).
    if (Number.isInteger(pid) && pid > 0 && isServerOf(pid, join(dataDir, 'pg'))) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Hosts that failed to start in this run, shared by every worker (playwright.config sets
 * MC_E2E_RUN once for the run): after three, the rest of the run fails at once with the first
 * reason instead of each spec waiting minutes for the same failure.
 */
const failures = () => join(tmpdir(), `mc-e2e-host-failures-${process.env.MC_E2E_RUN ?? process.pid}`);
const GIVE_UP_AFTER = 3;

/** Start a host and wait until its database is reachable; a host that gets neither far is stopped. */
export async function startHealthyHost(opts: Parameters<typeof startHost>[0] = {}): Promise<Host> {
  const seen = existsSync(failures()) ? readFileSync(failures(), 'utf8').split('\n\u0000\n').filter(Boolean) : [];
  if (seen.length >= GIVE_UP_AFTER) throw new Error(`the browser host failed to start ${seen.length} times in this run; not trying again. The first failure: ${seen[0]}`);
  try {
    const host = await startHost(opts);
    try {
      await waitHealthy(host);
    } catch (e) {
      await host.stop();
      throw e;
    }
    return host;
  } catch (e) {
    appendFileSync(failures(), `${(e as Error).message}\n\u0000\n`);
    throw e;
  }
}

/** Wait until the host reports its database connected (the embedded server starts after the URL line). */
export async function waitHealthy(host: Host, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      // Bounded: a health check that hangs (a keychain that never answers) must show as such, with stderr.
      const h = (await (await fetch(`${host.origin}/healthz`, { signal: AbortSignal.timeout(10_000) })).json()) as { database: { reachable: boolean } };
      if (h.database.reachable) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`host never became healthy in ${timeoutMs / 1000} s: ${tail(host.stderr())}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
