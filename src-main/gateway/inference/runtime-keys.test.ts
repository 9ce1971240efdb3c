import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runtimeKeyAccount } from '../../services/runtimes/runtimes';
import { testVault } from '../../testing/keychain';
import { keychainKeys, loadRuntimeKeys, mapKeys, RuntimeKeysError } from './runtime-keys';

const dir = mkdtempSync(join(tmpdir(), 'mc-rtkeys-'));
const id = '0b7d2c1e-4f5a-4b6c-9d8e-1f2a3b4c5d6e';

describe('runtime keys for a gateway on a server', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a 0600 file of runtime id → key', () => {
    const f = join(dir, 'ok.json');
    writeFileSync(f, JSON.stringify({ [id.toUpperCase()]: 'sk-runtime-1' }));
    chmodSync(f, 0o600);
    expect(loadRuntimeKeys({ file: f })).toEqual(new Map([[id, 'sk-runtime-1']]));
  });

  it('refuses a file others can read, saying how to fix it', () => {
    const f = join(dir, 'open.json');
    writeFileSync(f, JSON.stringify({ [id]: 'sk-runtime-1' }));
    chmodSync(f, 0o644);
    expect(() => loadRuntimeKeys({ file: f })).toThrow(/readable by others \(mode 644\); run chmod 600/);
  });

  it('refuses a malformed file without repeating any key in the message', () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ 'not-a-runtime': 'sk-secret-value' }));
    chmodSync(f, 0o600);
    let err: unknown;
    try {
      loadRuntimeKeys({ file: f });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuntimeKeysError);
    expect((err as Error).message).toMatch(/runtime id/);
    expect((err as Error).message).not.toContain('sk-secret-value');
    const g = join(dir, 'notjson.json');
    writeFileSync(g, 'sk-secret-value');
    chmodSync(g, 0o600);
    expect(() => loadRuntimeKeys({ file: g })).toThrow(/is not JSON/);
  });

  it('reads MC_RUNTIME_KEYS when no file is given, and nothing when neither is', () => {
    expect(loadRuntimeKeys({ env: JSON.stringify({ [id]: 'k2' }) })).toEqual(new Map([[id, 'k2']]));
    expect(loadRuntimeKeys({})).toEqual(new Map());
  });
});

describe('runtime keys for a gateway on a workstation', () => {
  const org = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
  const vault = testVault();
  const account = runtimeKeyAccount(org, id);
  afterAll(() => vault.delete(account));

  it('reads the key Runtimes saved in the OS keychain, and a changed key once the remembered one is older than the TTL', async () => {
    await vault.set(account, 'sk-first');
    const keys = keychainKeys(vault, { ttlMs: 60_000 });
    expect(await keys.get(org, id)).toBe('sk-first');
    await vault.set(account, 'sk-second');
    expect(await keys.get(org, id)).toBe('sk-first');
    expect(await keychainKeys(vault, { ttlMs: 0 }).get(org, id)).toBe('sk-second');
    // Another org's runtime with the same id is another account: no key.
    expect(await keys.get('7f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', id)).toBeUndefined();
  });

  it('a map from the file or environment answers by runtime id, whatever the case', async () => {
    expect(await mapKeys(new Map([[id, 'k']])).get(org, id.toUpperCase())).toBe('k');
  });
});
