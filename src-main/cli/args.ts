import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * The npm entry points' options (agent, ingest-server): parsed strictly; a wrong option prints the
 * usage and exits 2, --help prints it and exits 0.
 */
export function cliArgs<const O extends NonNullable<ParseArgsConfig['options']>>(options: O, usage: string): ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'] {
  let values;
  try {
    values = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h', default: false } }, strict: true }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return values as ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];
}

/** A numeric option within bounds, or the fallback when absent; anything else exits 2 saying why. */
export function numberArg(v: string | undefined, fallback: number, name: string, min: number, max: number, integer = false): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    process.stderr.write(`--${name} must be a ${integer ? 'whole number' : 'number'} from ${min} to ${max}, got "${v}".\n`);
    process.exit(2);
  }
  return n;
}

/** One of a few words, or the fallback when absent; anything else exits 2 naming the choices. */
export function choiceArg<const C extends readonly string[]>(v: string | undefined, fallback: C[number], name: string, choices: C): C[number] {
  if (v === undefined) return fallback;
  if (!choices.includes(v)) {
    process.stderr.write(`--${name} must be one of ${choices.join(', ')}, got "${v}".\n`);
    process.exit(2);
  }
  return v;
}

/** An http(s) base URL without a trailing slash; anything else exits 2 saying what is expected. */
export function httpUrlArg(v: string | undefined, name: string): string {
  let u: URL | null = null;
  try {
    u = v === undefined ? null : new URL(v);
  } catch {
    u = null;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash) {
    process.stderr.write(`--${name} must be an http:// or https:// address like http://127.0.0.1:8787 (no credentials, query or fragment), got ${v === undefined ? 'nothing' : v.includes('@') ? 'an address with credentials (not repeated here)' : `"${v}"`}.\n`);
    process.exit(2);
  }
  return u.href.replace(/\/+$/, '');
}
