import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { McError } from '../../src-shared/contract/errors';
import type { Vault } from '../vault';
import { ingestRoleName } from './authenticator';
import { decodeMemberLogin } from './member-logins';
import { withOrgTx } from './org-tx';
import { sessionFor } from './session';
import { clientConfig, type PgTarget } from './pg-config';
import { EMBEDDED_DATABASE, ProfileStore, secretAccounts, type StoredProfile } from './profiles';
import { loginName } from './supabase-modes';

/**
 * Connect a side tool (the node-agent simulator) to the database a Mission Control data folder is
 * using, without taking its lock or migrating anything: the app must have connected once, which
 * created this installation's app and ingest logins and put their passwords in the keychain.
 */
/** Where the data folder's active database is right now: the embedded server moves on every start. */
function currentTarget(dataDir: string, profile: StoredProfile): PgTarget {
  if (profile.kind !== 'embedded') return { ...profile, user: '' };
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) throw new McError('UNAVAILABLE', 'The embedded database is not running: start Mission Control (npm start or npm run serve) with this data folder first.');
  const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
  const socketDir = join(dataDir, 'run');
  return { host: existsSync(socketDir) ? socketDir : '127.0.0.1', port, database: EMBEDDED_DATABASE, user: '', sslmode: 'disable' };
}

export async function attachToDataDir(dataDir: string, vault: Vault) {
  if (!existsSync(join(dataDir, 'config.json'))) throw new McError('NOT_FOUND', `${dataDir} is not a Mission Control data folder (no config.json).`);
  const store = new ProfileStore(dataDir);
  const profile = store.get(store.activeId);
  if (!profile) throw new McError('NOT_FOUND', 'The data folder has no active profile.');
  let target = currentTarget(dataDir, profile);
  const ingestPassword = await vault.get(secretAccounts.ingest(store.instanceId, profile.id));
  // The agent acts as the workstation's signed-in member, through that member's own login: the
  // database decides from it which org the agent's fleet belongs to.
  const member = decodeMemberLogin(await vault.get(secretAccounts.memberLogin(store.instanceId, profile.id)));
  if (!member || !ingestPassword) {
    throw new McError('UNAVAILABLE', `Mission Control has not connected to profile “${profile.name}” from this data folder yet (or nobody is signed in there); start it once, then run the agent.`);
  }
  // The agent acts as the member's own login (mc_m_…); on Supabase's session pooler it too carries
  // the project ref, like every login of the app.
  const pools = (t: PgTarget) => {
    const app = new pg.Pool({ ...clientConfig({ ...t, user: loginName(profile, member.role) }, member.password), max: 2 });
    const ingest = new pg.Pool({ ...clientConfig({ ...t, user: loginName(profile, ingestRoleName(store.instanceId)) }, ingestPassword), max: 8 });
    app.on('error', () => undefined);
    ingest.on('error', () => undefined);
    return { app, ingest };
  };
  let current = pools(target);
  const session = await sessionFor(current.app).catch(async (err) => {
    await current.app.end();
    await current.ingest.end();
    throw err;
  });
  if (!session) {
    await current.app.end();
    await current.ingest.end();
    throw new McError('FORBIDDEN', `The sign-in held for ${profile.operatorEmail} in “${profile.name}” is no longer a membership.`);
  }
  return {
    profile,
    store,
    session,
    get app() {
      return current.app;
    },
    get ingest() {
      return current.ingest;
    },
    /** Where it connects now (host or socket folder, and port). */
    get where(): string {
      return `${target.host}:${target.port}`;
    },
    /**
     * Look again where the database is (the embedded server takes a new port on every start) and
     * connect there. Throws, saying what is missing, when it is not there yet.
     */
    async reattach(): Promise<void> {
      const next = currentTarget(dataDir, profile);
      if (next.host === target.host && next.port === target.port) return;
      const old = current;
      target = next;
      current = pools(next);
      void old.app.end().catch(() => undefined);
      void old.ingest.end().catch(() => undefined);
    },
    tx: <T>(fn: Parameters<typeof withOrgTx<T>>[2]) => withOrgTx(current.app, { orgId: session.orgId, operatorId: session.operatorId, role: session.role }, fn),
    async close() {
      await current.app.end();
      await current.ingest.end();
    },
  };
}

export type Attachment = Awaited<ReturnType<typeof attachToDataDir>>;
