import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { z } from 'zod';
import { dirname } from 'node:path';

/** Written whole to a temp file (flushed) and renamed over the old one: a crash leaves the old file or the new one. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600, flush: true });
  renameSync(tmp, file);
}

/**
 * A JSON file of the data folder read against its schema: null when there is none; `bad(why)` is
 * the error to throw (it names the file and what to do) when it does not parse. Never rewritten here.
 */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, bad: (why: string) => Error): z.infer<S> | null {
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw bad(`is not valid JSON (${(e as Error).message})`);
  }
  const ok = schema.safeParse(parsed);
  if (!ok.success) throw bad(`is not in the expected format (${ok.error.issues[0]?.message ?? 'invalid'})`);
  return ok.data;
}
