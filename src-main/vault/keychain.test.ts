import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appRoot } from '../core/paths';
import { TEST_SERVICE, testVault } from '../testing/keychain';
import { needKeychain } from '../testing/keychain-gate';
import { KeyringVault } from './keychain';

const ok = await needKeychain();

describe.skipIf(!ok)('OS keychain (real Secret Service / Keychain / Credential Manager)', () => {
  const vault = testVault();
  const account = `test:${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    await vault.delete(account).catch(() => undefined);
  });

  it('reports itself available with its backend', async () => {
    const s = await vault.status();
    expect(s.available).toBe(true);
    expect(s.backend.length).toBeGreaterThan(0);
  });

  it('stores, reads back, replaces and deletes a secret', async () => {
    const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
    expect(await vault.get(account)).toBeNull();
    await vault.set(account, secret);
    expect(await vault.get(account)).toBe(secret);
    await vault.set(account, `${secret}-2`);
    expect(await vault.get(account)).toBe(`${secret}-2`);
    expect(await vault.delete(account)).toBe(true);
    expect(await vault.get(account)).toBeNull();
    expect(await vault.delete(account)).toBe(false);
  });

  it('keeps services apart', async () => {
    await vault.set(account, 'only-in-test-service');
    expect(await new KeyringVault(`${TEST_SERVICE} (other)`).get(account)).toBeNull();
    await vault.delete(account);
  });

  it('stores unicode and long secrets intact', async () => {
    const secret = `päss-🔐-${'x'.repeat(900)}`;
    await vault.set(account, secret);
    expect(await vault.get(account)).toBe(secret);
    await vault.delete(account);
  });

  it.runIf(process.platform === 'linux')('is visible to standard tools (secret-tool) on Linux, so an admin can inspect or remove entries', async () => {
    await vault.set(account, 'visible-to-secret-tool');
    const out = execFileSync('secret-tool', ['lookup', 'service', TEST_SERVICE, 'username', account], { encoding: 'utf8' });
    expect(out.trim()).toBe('visible-to-secret-tool');
    await vault.delete(account);
  });
});

describe('without a reachable keychain', () => {
  // Elsewhere the OS keychain cannot be "absent".
  it.runIf(process.platform === 'linux')('says so plainly and refuses to store, never falling back to a file', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mc-nokeychain-home-'));
    // A child process whose D-Bus session points nowhere: no Secret Service at all.
    const script = join(tmpdir(), `mc-nokeychain-${process.pid}.mjs`);
    writeFileSync(
      script,
      `import { KeyringVault } from ${JSON.stringify(join(appRoot(), 'src-main/vault/keychain.ts'))};
       const v = new KeyringVault('mc-nokeychain-test');
       const s = await v.status();
       let refused = null;
       try { await v.set('x', 'would-be-secret'); } catch (e) { refused = e.name + ': ' + e.message; }
       console.log(JSON.stringify({ s, refused }));`,
    );
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      cwd: appRoot(),
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config') },
    });
    const { s, refused } = JSON.parse(out.trim().split('\n').pop() as string) as { s: { available: boolean; message: string }; refused: string };
    expect(s.available).toBe(false);
    expect(s.message).toMatch(/No OS keychain is available.*never stored in plaintext/);
    expect(refused).toMatch(/^KeychainUnavailableError: No OS keychain is available/);
    // No file keyring or anything else was written in its place: the home folder is still empty.
    expect(readdirSync(home, { recursive: true })).toEqual([]);
    rmSync(home, { recursive: true, force: true });
  });
});
