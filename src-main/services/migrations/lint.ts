import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { lintFindingSchema } from '../../../src-shared/contract/migrations';
import { McError } from '../../../src-shared/contract/errors';

export type LintFinding = z.infer<typeof lintFindingSchema>;

/**
 * The two timeout rules are left out: the center always sets lock_timeout and statement_timeout
 * itself (shown with the run), so a file need not.
 */
const EXCLUDED = ['require-timeout-settings', 'require-lock-timeout', 'require-statement-timeout'];

function squawkBinary(): string {
  const require = createRequire(import.meta.url);
  const name = process.platform === 'win32' ? 'squawk.exe' : 'squawk';
  try {
    return require.resolve(`@squawk-cli/${process.platform}-${process.arch}/bin/${name}`);
  } catch {
    throw new McError('UNAVAILABLE', `The SQL linter (squawk) has no build for ${process.platform}-${process.arch} here; reinstall Mission Control's dependencies.`);
  }
}

interface SquawkJson {
  line: number;
  column: number;
  level: string;
  message: string;
  help: string | null;
  rule_name: string;
}

/** Lint with squawk; its lines are 0-based, ours 1-based. */
export async function lintSql(text: string, known: readonly string[] = EXCLUDED): Promise<LintFinding[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-squawk-'));
  const file = join(dir, 'file.sql');
  try {
    await writeFile(file, text, { mode: 0o600 });
    const out = await new Promise<string>((resolve, reject) => {
      execFile(squawkBinary(), ['--reporter', 'json', ...known.flatMap((r) => ['--exclude', r]), file], { timeout: 30_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout) => {
        // squawk exits 1 when it found something; its JSON is still on stdout.
        if (stdout.trim().startsWith('[')) resolve(stdout);
        else reject(err ?? new Error('squawk printed no report'));
      });
    });
    return (JSON.parse(out) as SquawkJson[]).map((f) => ({ line: f.line + 1, column: f.column + 1, level: f.level, rule: f.rule_name, message: f.message, help: f.help }));
  } catch (err) {
    if (err instanceof McError) throw err;
    throw new McError('UNAVAILABLE', `The SQL linter (squawk) did not run: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
