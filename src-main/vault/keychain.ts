import { AsyncEntry } from '@napi-rs/keyring';

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux) through
 * @napi-rs/keyring: maintained, N-API, prebuilt, keytar-compatible. There is deliberately no
 * fallback store: without a keychain, secrets are refused, never written in plaintext.
 */
export interface KeychainStatus {
  available: boolean;
  backend: string;
  /** What is wrong and what to do, when unavailable. */
  message: string | null;
}

export interface Vault {
  status(): Promise<KeychainStatus>;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export class KeychainUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeychainUnavailableError';
  }
}

/** MC_KEYCHAIN_SERVICE lets tests keep their throwaway entries apart from a real installation's. */
export const DEFAULT_SERVICE = process.env.MC_KEYCHAIN_SERVICE ?? 'UmamiEdge Mission Control';

function backendName(): string {
  switch (process.platform) {
    case 'darwin':
      return 'macOS Keychain';
    case 'win32':
      return 'Windows Credential Manager';
    default:
      return 'Secret Service (D-Bus)';
  }
}

/**
 * What the keychain itself answered (a D-Bus error name such as IsLocked, or "no such service"),
 * so a refusal can be told from a locked keyring or a daemon that went away. Its errors name the
 * failure, never a secret; still only the first line, bounded.
 */
function said(e: unknown): string {
  const m = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim().slice(0, 200);
  return m ? ` (it said: ${m})` : '';
}

/**
 * What the D-Bus library says when the keychain's daemon went away mid-call or is being started
 * again, not a refusal: gnome-keyring can abort on a client that disconnects during its session
 * handshake (seen in CI as GLib-ERROR in g_variant_new), and the session bus or the desktop
 * starts it again within a second or two (its default collection a moment later: "no result
 * found", seen in ci51). A read or a write (both idempotent) is tried again then.
 */
const TRANSIENT = /Message recipient disconnected|Secret Service: no result found|org\.freedesktop\.DBus\.Error\.(NoReply|ServiceUnknown|Disconnected)|was not provided by any \.service files/i;

/** Pauses before each further try: about 3 s in all, longer than a daemon takes to come back. */
export const KEYCHAIN_RETRY_MS: readonly number[] = [300, 1000, 2000];

/** Run `op`, trying again after each pause while it fails with a transient D-Bus error. */
export async function retryTransient<T>(op: () => Promise<T>, pauses: readonly number[] = KEYCHAIN_RETRY_MS): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await op();
    } catch (e) {
      if (i >= pauses.length || !TRANSIENT.test(e instanceof Error ? e.message : String(e))) throw e;
      await new Promise((r) => setTimeout(r, pauses[i]));
    }
  }
}

function unavailableMessage(): string {
  if (process.platform === 'linux') {
    return (
      'No OS keychain is available: the Secret Service (GNOME Keyring, KWallet or KeePassXC) is not running ' +
      'or is locked on this D-Bus session. Start and unlock it, then restart Mission Control. ' +
      'Passwords are never stored in plaintext instead.'
    );
  }
  return 'The OS keychain could not be opened. Unlock it, then restart Mission Control. Passwords are never stored in plaintext instead.';
}

/**
 * On Linux, pin entries to the Secret Service. Left to itself the library falls back to the
 * kernel keyring, which forgets everything at reboot: the embedded database's password would be
 * lost with it. Pinned, an absent Secret Service is an error we can report.
 */
const ENTRY_OPTIONS = { linux: { store: 'secret-service' as const } };

export class KeyringVault implements Vault {
  private cached: KeychainStatus | null = null;

  constructor(private readonly service: string = DEFAULT_SERVICE) {}

  private entry(account: string): AsyncEntry {
    return new AsyncEntry(this.service, account, ENTRY_OPTIONS);
  }

  async status(): Promise<KeychainStatus> {
    if (this.cached?.available) return this.cached;
    try {
      await this.entry('__probe__').getPassword();
      this.cached = { available: true, backend: backendName(), message: null };
    } catch {
      this.cached = { available: false, backend: backendName(), message: unavailableMessage() };
    }
    return this.cached;
  }

  private async ensure(): Promise<void> {
    const s = await this.status();
    if (!s.available) throw new KeychainUnavailableError(s.message ?? 'No OS keychain is available.');
  }

  async get(account: string): Promise<string | null> {
    await this.ensure();
    try {
      return await retryTransient(() => this.entry(account).getPassword());
    } catch (e) {
      throw new KeychainUnavailableError(`The OS keychain refused to read "${account}"${said(e)}. Unlock it and try again.`);
    }
  }

  async set(account: string, secret: string): Promise<void> {
    await this.ensure();
    try {
      await retryTransient(() => this.entry(account).setPassword(secret));
    } catch (e) {
      throw new KeychainUnavailableError(`The OS keychain refused to store "${account}"${said(e)}. Unlock it and try again.`);
    }
  }

  async delete(account: string): Promise<boolean> {
    await this.ensure();
    try {
      return await this.entry(account).deletePassword();
    } catch (e) {
      throw new KeychainUnavailableError(`The OS keychain refused to delete "${account}"${said(e)}. Unlock it and try again.`);
    }
  }
}
