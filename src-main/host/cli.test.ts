import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot } from '../core/paths';
import { DATA_DIR_BUSY_EXIT_CODE, DataDirLock } from '../db';
import { tempDataDir } from '../testing/harness';
import { TEST_SERVICE } from '../testing/keychain';

describe('npm run serve on a data folder another Mission Control holds', () => {
  it('says so in one line, with its documented exit code and no stack trace, and touches no log file', () => {
    const t = tempDataDir();
    const lock = new DataDirLock(t.dir);
    lock.acquire();
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(appRoot(), 'src-main/host/cli.ts'), '--data-dir', t.dir], {
        cwd: appRoot(),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(DATA_DIR_BUSY_EXIT_CODE);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toEqual([
        `Mission Control cannot start: Another Mission Control (process ${process.pid}) is using the data folder ${t.dir}. Close it, or start this one with another --data-dir.`,
      ]);
      expect(existsSync(join(t.dir, 'logs'))).toBe(false);
    } finally {
      lock.release();
      t.remove();
    }
  }, 70_000);
});

describe('npm run serve on the embedded demo', () => {
  it('prints the demo gateway’s address, and that gateway answers: healthy, and a request without a key refused', async () => {
    const t = tempDataDir();
    // The test keychain service (not a real installation's), and the demo gateway on (vitest turns it off).
    const child = spawn(process.execPath, ['--import', 'tsx', join(appRoot(), 'src-main/host/cli.ts'), '--data-dir', t.dir], {
      cwd: appRoot(),
      env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE, MC_DEMO_GATEWAY: '1', MC_OPS_JOB: '0', MC_ANCHOR_JOB: '0', MC_ADVISORY_JOB: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await expect.poll(() => /^Gateway at (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1] ?? null, { timeout: 100_000, interval: 250 }).not.toBeNull();
      expect(out.split('\n')[0]).toMatch(/^Mission Control at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      const gateway = /^Gateway at (\S+)$/m.exec(out)![1]!;
      const health = await fetch(`${gateway}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', database: true });
      const anon = await fetch(`${gateway}/v1/models`);
      expect(anon.status).toBe(401);
      expect(((await anon.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      t.remove();
    }
  }, 150_000);
});
