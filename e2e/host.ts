import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
    env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const t = setTimeout(() => reject(new Error(`host did not start in time: ${err}`)), 60_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^Mission Control at (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)$/m.exec(out);
      if (m) {
        clearTimeout(t);
        resolveUrl(m[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code}): ${err}`)));
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') as string,
    dataDir,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Wait until the host reports its database connected (the embedded server starts after the URL line). */
export async function waitHealthy(host: Host, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const h = (await (await fetch(`${host.origin}/healthz`)).json()) as { database: { reachable: boolean } };
      if (h.database.reachable) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`host never became healthy: ${host.stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
