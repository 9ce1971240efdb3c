// The failed tests of a run, read from the JSON reports of Vitest and Playwright, for the summary at
// the end of `npm test`: CI keeps only the tail of the output, and a failure that scrolled away
// above it is no diagnosis.
import { readFileSync } from 'node:fs';

/** The first lines of a failure message, without colour codes. */
function firstLines(text) {
  return String(text ?? '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, 6)
    .map((l) => `      ${l.slice(0, 240)}`)
    .join('\n');
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Vitest's JSON report (`--reporter=json`): each failed test, and each file that failed outside a test. */
export function vitestFailures(file, root) {
  const out = [];
  for (const f of readJson(file)?.testResults ?? []) {
    const rel = String(f.name ?? '').replace(`${root}/`, '');
    const failed = (f.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of failed) out.push(`  ${rel} › ${a.fullName}\n${firstLines((a.failureMessages ?? []).join('\n'))}`);
    // A file that failed outside any test (an import error, a hook) has no failed assertion.
    if (f.status === 'failed' && failed.length === 0) out.push(`  ${rel}\n${firstLines(f.message)}`);
  }
  return out;
}

/** Playwright's JSON report (`--reporter=json`): each spec that failed, or passed only on a retry. */
export function playwrightFailures(file) {
  const out = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== 'unexpected' && t.status !== 'flaky') continue;
        const last = t.results?.[t.results.length - 1];
        out.push(`  ${t.status === 'flaky' ? '(flaky) ' : ''}${[...titles, spec.title].join(' › ')}\n${firstLines(last?.error?.message)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const s of readJson(file)?.suites ?? []) walk(s, [s.title]);
  return out;
}

/**
 * The last lines of `npm test` before its summary: CI shows only a short tail, and when dozens of
 * tests fail the same way (a host that never starts) the list above it repeats one message. So
 * failures are grouped by their first message line, and each kind shows its first two groups: a
 * test that failed, the start of its message, and how many more failed with that same line.
 */
export function failureDigest(kinds) {
  const lines = [];
  for (const [kind, failures] of kinds) {
    if (failures.length === 0) continue;
    const groups = new Map();
    for (const f of failures) {
      const [title = '', ...message] = f.split('\n');
      // Ports, durations and temp folders differ between otherwise identical failures.
      const key = (message[0] ?? '').replace(/\d+/g, '#').trim();
      const g = groups.get(key);
      if (g) g.count++;
      else groups.set(key, { title: title.trim(), message: message.slice(0, 3), count: 1 });
    }
    lines.push(`${kind}: ${failures.length} failed, ${groups.size} distinct first line${groups.size === 1 ? '' : 's'}`);
    for (const g of [...groups.values()].slice(0, 2)) {
      lines.push(`  ${g.title}${g.count > 1 ? `  (and ${g.count - 1} more like it)` : ''}`, ...g.message);
    }
  }
  return lines;
}
