import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeychainStatus, Vault } from './keychain';

/**
 * The embedded database's own credentials (its superuser, the app's logins on it, the demo agent's
 * seed) protect nothing that the data folder's permissions do not already protect: whoever can
 * read the folder can read the database files. So on a machine with no OS keychain (a headless
 * box, a kiosk wall display) they are kept in the data folder, in one file created 0600 inside the
 * 0700 folder. Every other secret (remote profiles' passwords and the logins made on them) still
 * needs the keychain and is refused without one. When a keychain is there, entries found in the
 * file move into it and leave the file.
 */
export const FALLBACK_FILE = 'embedded-credentials.json';

/** Accounts that only ever unlock the embedded database (secretAccounts in db/profiles.ts). */
export function isEmbeddedAccount(account: string): boolean {
  return /^[0-9a-f]{6,32}:(embedded:|profile:embedded:)/.test(account);
}

export class DataFolderFallbackVault implements Vault {
  private readonly file: string;

  constructor(
    private readonly inner: Vault,
    dataDir: string,
  ) {
    this.file = join(dataDir, FALLBACK_FILE);
  }

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  private write(entries: Record<string, string>): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(entries)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private async keychain(): Promise<boolean> {
    return (await this.inner.status()).available;
  }

  async status(): Promise<KeychainStatus> {
    const s = await this.inner.status();
    if (s.available) return s;
    return {
      ...s,
      message: `${s.message ?? 'No OS keychain is available.'} Meanwhile the embedded database's own credentials are kept in its data folder (file ${FALLBACK_FILE}, readable only by you); remote profiles cannot be used until a keychain is there.`,
    };
  }

  async get(account: string): Promise<string | null> {
    if (!isEmbeddedAccount(account)) return this.inner.get(account);
    const entries = this.read();
    const local = entries[account];
    if (!(await this.keychain())) return local ?? null;
    if (local !== undefined) {
      // A keychain appeared: it takes the credential over.
      await this.inner.set(account, local);
      delete entries[account];
      this.write(entries);
      return local;
    }
    return this.inner.get(account);
  }

  async set(account: string, secret: string): Promise<void> {
    if (isEmbeddedAccount(account) && !(await this.keychain())) {
      this.write({ ...this.read(), [account]: secret });
      return;
    }
    await this.inner.set(account, secret);
  }

  async delete(account: string): Promise<boolean> {
    if (!isEmbeddedAccount(account)) return this.inner.delete(account);
    const entries = this.read();
    const had = account in entries;
    if (had) {
      delete entries[account];
      this.write(entries);
    }
    if (!(await this.keychain())) return had;
    return (await this.inner.delete(account)) || had;
  }
}
