import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot } from '../core/paths';
import { DATA_DIR_BUSY_EXIT_CODE, DataDirLock } from '../db';
import { tempDataDir } from '../testing/harness';

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
