import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuntimeKeys, RuntimeKeysError } from './runtime-keys';

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
