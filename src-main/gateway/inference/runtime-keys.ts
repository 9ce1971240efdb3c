/**
 * Runtime API keys. On a workstation (`--runtime-keys keychain`) the gateway reads the key an
 * operator saved in Runtimes from the OS keychain, under the same account the app uses. For a
 * gateway on a server: a JSON file `{"<runtime id>": "<key>"}` readable by
 * its owner only (mode 0600; anything wider is refused, as ssh refuses a readable private key),
 * or the environment variable MC_RUNTIME_KEYS holding the same JSON. Keys are held in memory,
 * sent only to their runtime, and never logged or put in an error.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { runtimeKeyAccount } from '../../services/runtimes/runtimes';
import type { Vault } from '../../vault';

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

/** Where the gateway finds a runtime's key; undefined = the runtime is called without one. */
export interface RuntimeKeySource {
  get(orgId: string, runtimeId: string): Promise<string | undefined>;
}

export function mapKeys(keys: Map<string, string>): RuntimeKeySource {
  return { get: async (_orgId, runtimeId) => keys.get(runtimeId.toLowerCase()) };
}

/**
 * The OS keychain, read once per runtime and kept for `ttlMs` (a key changed in Runtimes reaches
 * the gateway within that time) so a request does not wait on D-Bus. A keychain that cannot be
 * read is reported through `onError` (the account, never a secret) and the call goes out without
 * a key: the runtime's refusal then surfaces as the gateway's credentials fault.
 */
export function keychainKeys(vault: Vault, opts: { ttlMs?: number; onError?: (account: string, err: Error) => void } = {}): RuntimeKeySource {
  const ttl = opts.ttlMs ?? 60_000;
  const cache = new Map<string, { key: string | undefined; at: number }>();
  return {
    async get(orgId, runtimeId) {
      const account = runtimeKeyAccount(orgId, runtimeId);
      const hit = cache.get(account);
      if (hit && Date.now() - hit.at < ttl) return hit.key;
      try {
        const key = (await vault.get(account)) ?? undefined;
        cache.set(account, { key, at: Date.now() });
        return key;
      } catch (err) {
        opts.onError?.(account, err as Error);
        return undefined;
      }
    },
  };
}
