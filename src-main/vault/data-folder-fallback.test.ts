import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../testing/harness';
import { testVault } from '../testing/keychain';
import { needKeychain } from '../testing/keychain-gate';
import { DataFolderFallbackVault, FALLBACK_FILE } from './data-folder-fallback';
import { type KeychainStatus, KeychainUnavailableError, type Vault } from './keychain';

const ok = await needKeychain();

/** The real keychain, behind a switch that makes it absent the way KeyringVault reports absence. */
class SwitchedKeychain implements Vault {
  present = false;
  private readonly real = testVault();
  async status(): Promise<KeychainStatus> {
    return this.present ? this.real.status() : { available: false, backend: 'test', message: 'No OS keychain is available.' };
  }
  private need(): void {
    if (!this.present) throw new KeychainUnavailableError('No OS keychain is available.');
  }
  async get(a: string) {
    this.need();
    return this.real.get(a);
  }
  async set(a: string, s: string) {
    this.need();
    return this.real.set(a, s);
  }
  async delete(a: string) {
    this.need();
    return this.real.delete(a);
  }
}

describe.skipIf(!ok)('the embedded database’s credentials without a keychain', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });
  const instance = 'abcdef012345';
  const superuser = `${instance}:embedded:superuser`;
  const member = `${instance}:profile:embedded:member`;
  const remote = `${instance}:profile:3f1c2e9a-0000-4000-8000-000000000001:password`;

  it('keeps only embedded credentials in the data folder (0600), refuses the rest, and hands them to a keychain that appears later', async () => {
    const data = tempDataDir();
    dirs.push(data);
    const keychain = new SwitchedKeychain();
    const vault = new DataFolderFallbackVault(keychain, data.dir);
    expect((await vault.status()).message).toMatch(/embedded database's own credentials are kept in its data folder/);

    await vault.set(superuser, 'su-secret');
    await vault.set(member, 'member-secret');
    await expect(vault.set(remote, 'remote-secret')).rejects.toBeInstanceOf(KeychainUnavailableError);
    await expect(vault.get(remote)).rejects.toBeInstanceOf(KeychainUnavailableError);
    const file = join(data.dir, FALLBACK_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('remote-secret');
    expect(await vault.get(superuser)).toBe('su-secret');

    // The keychain comes back: the first read moves each entry into it and out of the file.
    keychain.present = true;
    try {
      expect(await vault.get(superuser)).toBe('su-secret');
      expect(await testVault().get(superuser)).toBe('su-secret');
      expect(readFileSync(file, 'utf8')).not.toContain('su-secret');
      expect(readFileSync(file, 'utf8')).toContain('member-secret');
      expect(await vault.delete(member)).toBe(true);
      expect(readFileSync(file, 'utf8')).not.toContain('member-secret');
      // With a keychain, nothing new goes to the file.
      await vault.set(`${instance}:embedded:demo-agent`, 'seed');
      expect(readFileSync(file, 'utf8')).not.toContain('seed');
      expect(existsSync(file)).toBe(true);
    } finally {
      await testVault().delete(superuser).catch(() => undefined);
      await testVault().delete(`${instance}:embedded:demo-agent`).catch(() => undefined);
    }
  });
});
