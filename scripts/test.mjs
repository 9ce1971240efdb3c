// npm test: every suite, for real. Type checks, the build, unit/service/database/keychain tests
// (Vitest, real PostgreSQL servers, real Secret Service) and the browser specs (Playwright in
// Chromium against the built browser host). All steps run; the exit code says if any failed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrivateKeychain } from './isolate.mjs';
import { failureDigest, playwrightFailures, vitestFailures } from './test-failures.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensurePrivateKeychain(fileURLToPath(import.meta.url));

// Machine-readable results go to a scratch folder, so the summary at the end can name every failed
// test: CI keeps only the tail of the output, and a failure scrolled away above is no diagnosis.
const reports = mkdtempSync(join(tmpdir(), 'mc-test-reports-'));
const vitestJson = join(reports, 'vitest.json');
const playwrightJson = join(reports, 'playwright.json');
const env = { ...process.env, MC_KEYCHAIN_SERVICE: 'UmamiEdge Mission Control (test)', PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson };
const bin = (name) => join(root, 'node_modules', '.bin', name);
const steps = [
  ['types', [bin('tsc'), '-p', 'tsconfig.node.json', '--noEmit'], [bin('tsc'), '-p', 'tsconfig.web.json', '--noEmit'], [bin('tsc'), '-p', 'tsconfig.e2e.json', '--noEmit']],
  // Migrations linted by squawk; .squawk.toml says which rules are excluded and why.
  ['SQL lint (squawk)', [bin('squawk'), '--config', join(root, '.squawk.toml'), ...readdirSync(join(root, 'sql')).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort().map((f) => join('sql', f))]],
  ['build', [bin('electron-vite'), 'build', '--logLevel', 'warn']],
  ['unit, service, database and keychain tests', [bin('vitest'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]],
  ['browser specs', [bin('playwright'), 'test', '--reporter=list,json']],
];

// squawk's binary comes as a per-platform optional package; where it is missing the lint skips with
// a reason, or fails under MC_REQUIRE_ALL=1 (CI), like every suite whose external part is missing.
const squawkMissing = spawnSync(bin('squawk'), ['--version'], { cwd: root }).status !== 0;

/**
 * Run a step with its output shown as it comes, keeping its last lines: when a step fails without
 * naming a test (a global setup that could not start a server), those lines are the diagnosis.
 */
function run(cmd, args, tail) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['inherit', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      for (const line of String(chunk).replace(/\u001b\[[0-9;]*m/g, '').split('\n')) if (line.trim()) tail.push(line.slice(0, 240));
      tail.splice(0, Math.max(0, tail.length - 12));
    };
    child.stdout.on('data', (c) => (process.stdout.write(c), keep(c)));
    child.stderr.on('data', (c) => (process.stderr.write(c), keep(c)));
    child.on('error', (e) => (keep(e.message), resolveRun(1)));
    child.on('close', (code) => resolveRun(code ?? 1));
  });
}

const results = [];
for (const [label, ...commands] of steps) {
  process.stdout.write(`\n== ${label}\n`);
  if (label.startsWith('SQL lint') && squawkMissing) {
    const required = process.env.MC_REQUIRE_ALL === '1';
    process.stdout.write(`${required ? 'FAIL' : 'skip'}: squawk-cli has no binary for ${process.platform}-${process.arch} here (npm install squawk-cli again to fetch it)\n`);
    results.push({ label, ok: !required, s: '0 (skipped)' });
    continue;
  }
  const started = Date.now();
  let ok = true;
  const tail = [];
  for (const [cmd, ...args] of commands) {
    if ((await run(cmd, args, tail)) !== 0) ok = false;
  }
  results.push({ label, ok, s: ((Date.now() - started) / 1000).toFixed(1), tail });
  if (!ok && label === 'build') {
    results.push({ label: 'browser specs', ok: false, s: '0 (no build)' });
    break;
  }
}
const unit = vitestFailures(vitestJson, root);
const browser = playwrightFailures(playwrightJson);
if (unit.length + browser.length > 0) process.stdout.write(`\n== failed tests\n${[...unit, ...browser].join('\n')}\n`);
// A failed step that named no failed test: its last lines instead.
const unnamed = results.filter((r) => !r.ok && r.tail && !(r.label.startsWith('unit') && unit.length) && !(r.label.startsWith('browser') && browser.length));
if (unit.length + browser.length + unnamed.length > 0) {
  const lines = failureDigest([['unit', unit], ['browser', browser]]);
  for (const r of unnamed) lines.push(`${r.label} failed; its last lines:`, ...r.tail.slice(-6).map((l) => `  ${l}`));
  process.stdout.write(`\n== in short\n${lines.join('\n')}\n`);
}
process.stdout.write('\n== summary\n');
for (const r of results) process.stdout.write(`${r.ok ? 'pass' : 'FAIL'}  ${r.label} (${r.s} s)\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
