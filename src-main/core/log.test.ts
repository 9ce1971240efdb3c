import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../testing/harness';
import { createLogger } from './log';

const logFiles = (dir: string) => readdirSync(join(dir, 'logs')).filter((n) => /^main\.\d+\.log$/.test(n)).sort();

describe('log files', () => {
  it('are created owner-only, in an owner-only folder, and fixes an old world-readable main.log', async () => {
    const t = tempDataDir();
    try {
      mkdirSync(join(t.dir, 'logs'), { mode: 0o700 });
      writeFileSync(join(t.dir, 'logs', 'main.log'), 'old\n', { mode: 0o644 });
      const log = createLogger({ dataDir: t.dir, level: 'info' });
      log.info({ n: 1 }, 'hello');
      await expect.poll(() => logFiles(t.dir).length, { timeout: 10_000 }).toBe(1);
      const file = join(t.dir, 'logs', logFiles(t.dir)[0]!);
      await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 10_000 }).toMatch(/"msg":"hello"/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(t.dir, 'logs')).mode & 0o777).toBe(0o700);
      expect(statSync(join(t.dir, 'logs', 'main.log')).mode & 0o777).toBe(0o600);
    } finally {
      t.remove();
    }
  });

  it('rotate by size and keep only the configured number of old files', async () => {
    const t = tempDataDir();
    try {
      const log = createLogger({ dataDir: t.dir, level: 'info', rotate: { size: '2k', keep: 2 } });
      const newest = () => Math.max(0, ...logFiles(t.dir).map((n) => Number(n.split('.')[1])));
      // Batches of ~4 KiB, each past the size: every batch ends in a roll to the next file.
      for (let b = 0; b < 6; b++) {
        const before = newest();
        for (let i = 0; i < 20; i++) log.info({ b, i, pad: 'x'.repeat(120) }, 'filling');
        await expect.poll(newest, { timeout: 10_000 }).toBeGreaterThan(before);
      }
      await expect.poll(() => logFiles(t.dir), { timeout: 10_000 }).toEqual(['main.5.log', 'main.6.log', 'main.7.log']);
      expect(readFileSync(join(t.dir, 'logs', 'main.6.log'), 'utf8')).toMatch(/"b":5,"i":19/);
      for (const n of logFiles(t.dir)) expect(statSync(join(t.dir, 'logs', n)).mode & 0o777).toBe(0o600);
    } finally {
      t.remove();
    }
  });
});

describe('repeated warnings', () => {
  it('are written up to a burst per window, then counted, and one line says how many were left out', async () => {
    const lines: { level: number; msg: string; repeated?: number }[] = [];
    const stream = new Writable({
      write(chunk, _e, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    const log = createLogger({ stream, level: 'info', repeats: { burst: 3, windowMs: 300 } }).child({ room: 'gateway' });
    for (let i = 0; i < 50; i++) log.warn({ nodeId: `n${i}` }, 'telemetry refused: unknown node key');
    log.warn('a different warning');
    for (let i = 0; i < 10; i++) log.info('info is never limited');
    expect(lines.filter((l) => l.msg === 'telemetry refused: unknown node key')).toHaveLength(3);
    expect(lines.filter((l) => l.msg === 'a different warning')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'info is never limited')).toHaveLength(10);
    await expect.poll(() => lines.find((l) => l.repeated !== undefined)).toMatchObject({ level: 40, repeated: 47, msg: 'telemetry refused: unknown node key (repeated 47 more times; not written)' });
    // A new window: written again.
    log.warn('telemetry refused: unknown node key');
    expect(lines.filter((l) => l.msg === 'telemetry refused: unknown node key')).toHaveLength(4);
  });
});
