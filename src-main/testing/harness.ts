import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppCore, createAppCore } from '../core/app-core';
import { silentLogger } from '../core/log';
import { ProfileStore, secretAccounts } from '../db';
import type { CallContext } from '../ipc';
import { encodeMemberLogin } from '../db/member-logins';
import type { Vault } from '../vault';
import { memberLoginFor, type TestDatabase } from './db';
import { testVault } from './keychain';

export function tempDataDir(prefix = 'mc-data-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // As root the embedded server runs as "postgres" and must pass through.
  chmodSync(dir, 0o711);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const DIRECT: CallContext = { readOnly: false, via: 'direct' };
export const READ_ONLY: CallContext = { readOnly: true, via: 'direct' };

/**
 * A real AppCore whose active profile is a test database on a test server: the remote-profile
 * path, with the password in the (test) keychain, as a user would set it up.
 */
export async function coreOn(db: TestDatabase, operatorEmail: string, opts: { start?: boolean; opsJob?: boolean; vault?: Vault } = {}): Promise<AppCore & { cleanup(): Promise<void> }> {
  const data = tempDataDir();
  const store = new ProfileStore(data.dir);
  const profile = store.saveRemote(undefined, {
    name: `test ${db.target.database}`,
    host: db.target.host,
    port: db.target.port,
    database: db.target.database,
    user: db.target.user,
    sslmode: 'disable',
    sslRootCert: null,
    operatorEmail,
  });
  store.setActive(profile.id);
  // Another workstation has its own keychain: a test gives it a vault under another service name.
  const vault = opts.vault ?? testVault();
  await vault.set(secretAccounts.profilePassword(store.instanceId, profile.id), db.password);
  // The person has signed in on this workstation (what org creation, an invitation or the
  // identity provider does in the app): a login of their own, held in this workstation's keychain.
  const memberAccount = secretAccounts.memberLogin(store.instanceId, profile.id);
  await signInWorkstation(db, vault, memberAccount, operatorEmail);
  // The ops clock stays off unless a test asks for it: tests drive alerts and escalation with their own clock.
  const core = createAppCore({ dataDir: data.dir, vault, log: silentLogger(), seedDemo: false, validateResponses: true, opsJob: opts.opsJob ?? false, advisoryJob: false });
  if (opts.start ?? true) await core.start();
  return Object.assign(core, {
    async cleanup() {
      await core.close();
      await vault.delete(secretAccounts.profilePassword(store.instanceId, profile.id)).catch(() => undefined);
      await vault.delete(secretAccounts.authenticator(store.instanceId, profile.id)).catch(() => undefined);
      await vault.delete(secretAccounts.ingest(store.instanceId, profile.id)).catch(() => undefined);
      await vault.delete(secretAccounts.advisor(store.instanceId, profile.id)).catch(() => undefined);
      await vault.delete(memberAccount).catch(() => undefined);
      data.remove();
    },
  });
}

/**
 * Give a workstation's keychain a login for the member with this e-mail, as the app does once a
 * person has proven who they are. No membership (yet): nothing is stored, and the core starts
 * without a session, as the app would.
 */
export async function signInWorkstation(db: TestDatabase, vault: Vault, account: string, email: string): Promise<boolean> {
  const login = await memberLoginFor(db, email);
  if (!login) return false;
  await vault.set(account, encodeMemberLogin(login));
  return true;
}

type AnyCore = Pick<AppCore, 'router'>;

/** A contract call that must succeed; its data, typed by the caller. */
export async function call<T = never>(core: AnyCore, channel: string, payload: unknown, ctx: CallContext = DIRECT): Promise<T> {
  const r = await core.router.invoke(channel, payload, ctx);
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), r.error);
  return r.data as T;
}

/** A contract call that must be refused; the error it was refused with. */
export async function refused(core: AnyCore, channel: string, payload: unknown, ctx: CallContext = DIRECT) {
  const r = await core.router.invoke(channel, payload, ctx);
  if (r.ok) throw new Error(`${channel} was accepted`);
  return r.error;
}
