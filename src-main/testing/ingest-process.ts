import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type pg from 'pg';

const root = join(__dirname, '..', '..');

export interface IngestProcess {
  child: ChildProcess;
  url: string;
}

/**
 * `npm run ingest-server` as a real child process (so a test can kill -9 it), logged in as the
 * given ingest login; resolves once it listens. Port 0 picks a free one; a fixed port lets agents
 * find a restarted server at the same address.
 */
export function startIngestProcess(login: pg.ClientConfig, port = 0): Promise<IngestProcess> {
  const env = {
    ...process.env,
    PGHOST: String(login.host),
    PGPORT: String(login.port),
    PGDATABASE: String(login.database),
    PGUSER: String(login.user),
    PGPASSWORD: String(login.password),
    MC_LOG_LEVEL: 'silent',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-main/gateway/cli.ts'), '--port', String(port)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`ingest-server exited (${code}) before listening: ${out}`)));
  });
}

/** Kill -9 and wait until the process is gone (its port is free again). */
export async function killHard(p: IngestProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const gone = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGKILL');
  await gone;
}
