import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the test runner, without type declarations
import { failureDigest, playwrightFailures, vitestFailures } from './test-failures.mjs';

const root = join(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'mc-test-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the failed-test summary of npm test', () => {
  it('names a failed Vitest test and its message from a real Vitest JSON report, and nothing for a pass', () => {
    // A real Vitest run over two scratch specs (one fails), reported as npm test reports it.
    // Globals, so the scratch folder (outside the repository) needs no import of vitest.
    writeFileSync(join(dir, 'vitest.config.mjs'), 'export default { test: { globals: true } };\n');
    writeFileSync(join(dir, 'a.test.ts'), "it('adds', () => expect(1 + 1).toBe(3));\nit('holds', () => expect(1).toBe(1));\n");
    const report = join(dir, 'vitest.json');
    spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', '--root', dir, '--reporter=json', `--outputFile.json=${report}`], { cwd: dir, encoding: 'utf8' });
    const failures: string[] = vitestFailures(report, dir);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('a.test.ts › adds');
    expect(failures[0]).toMatch(/expected 2 to be 3/);
  });

  it('walks nested Playwright suites and keeps flaky specs, naming each', () => {
    const report = join(dir, 'playwright.json');
    const spec = (title: string, status: string) => ({ title, tests: [{ status, results: [{ error: { message: `\u001b[31m${title} broke\u001b[39m` } }] }] });
    writeFileSync(report, JSON.stringify({ suites: [{ title: 'routing.spec.ts', specs: [spec('passes', 'expected')], suites: [{ title: 'runtimes', specs: [spec('connects', 'unexpected'), spec('retried', 'flaky')] }] }] }));
    const failures: string[] = playwrightFailures(report);
    expect(failures).toEqual([
      '  routing.spec.ts › runtimes › connects\n      connects broke',
      '  (flaky) routing.spec.ts › runtimes › retried\n      retried broke',
    ]);
  });

  it('a missing or unreadable report gives no failures rather than breaking the summary', () => {
    expect(vitestFailures(join(dir, 'absent.json'), root)).toEqual([]);
    writeFileSync(join(dir, 'torn.json'), '{"suites": [');
    expect(playwrightFailures(join(dir, 'torn.json'))).toEqual([]);
  });

  it('sums up many failures that share a first line in a few lines, unit before browser', () => {
    const host = (n: number) => `  status.spec.ts › test ${n}\n      Fixture "host" timeout of 60000ms exceeded during setup.\n      at /tmp/mc-e2e-${n}`;
    const browser = [host(1), '  routing.spec.ts › connects\n      expected "healthy"\n      received "unknown"', host(2), host(3)];
    const unit = ['  src-main/a.test.ts › runs jq\n      jq missing'];
    expect(failureDigest([['unit', unit], ['browser', browser]])).toEqual([
      'unit: 1 failed, 1 distinct first line',
      '  src-main/a.test.ts › runs jq',
      '      jq missing',
      'browser: 4 failed, 2 distinct first lines',
      '  status.spec.ts › test 1  (and 2 more like it)',
      '      Fixture "host" timeout of 60000ms exceeded during setup.',
      '      at /tmp/mc-e2e-1',
      '  routing.spec.ts › connects',
      '      expected "healthy"',
      '      received "unknown"',
    ]);
    expect(failureDigest([['unit', []], ['browser', []]])).toEqual([]);
  });
});
