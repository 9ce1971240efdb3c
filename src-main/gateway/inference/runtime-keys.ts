/**
 * Runtime API keys for a gateway on a server: a JSON file `{"<runtime id>": "<key>"}` readable by
 * its owner only (mode 0600; anything wider is refused, as ssh refuses a readable private key),
 * or the environment variable MC_RUNTIME_KEYS holding the same JSON. Keys are held in memory,
 * sent only to their runtime, and never logged or put in an error.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const shape = z.record(z.string().regex(UUID, 'a runtime id (uuid)'), z.string().min(1).max(4096).regex(/^[\x21-\x7e]+$/, 'printable, no spaces'));

export class RuntimeKeysError extends Error {}

function parse(text: string, where: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RuntimeKeysError(`${where} is not JSON; write {"<runtime id>": "<key>", …}.`);
  }
  const r = shape.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    // The path names the runtime id, never the key.
    throw new RuntimeKeysError(`${where}: ${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'invalid'} (expected {"<runtime id>": "<key>", …}).`);
  }
  return new Map(Object.entries(r.data).map(([k, v]) => [k.toLowerCase(), v]));
}

export function loadRuntimeKeys(opts: { file?: string; env?: string }): Map<string, string> {
  if (opts.file) {
    const st = statSync(opts.file);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new RuntimeKeysError(`${opts.file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it.`);
    }
    return parse(readFileSync(opts.file, 'utf8'), opts.file);
  }
  if (opts.env) return parse(opts.env, 'MC_RUNTIME_KEYS');
  return new Map();
}
