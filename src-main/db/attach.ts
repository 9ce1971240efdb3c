import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { McError } from '../../src-shared/contract/errors';
import type { Session } from '../../src-shared/contract/system';
import type { Vault } from '../vault';
import { ingestRoleName } from './authenticator';
import { decodeMemberLogin } from './member-logins';
import { withOrgTx } from './org-tx';
import { clientConfig, type PgTarget } from './pg-config';
import { EMBEDDED_DATABASE, ProfileStore, secretAccounts } from './profiles';

/**
 * Connect a side tool (the node-agent simulator) to the database a Mission Control data folder is
 * using, without taking its lock or migrating anything: the app must have connected once, which
 * created this installation's app and ingest logins and put their passwords in the keychain.
 */
export async function attachToDataDir(dataDir: string, vault: Vault) {
  if (!existsSync(join(dataDir, 'config.json'))) throw new McError('NOT_FOUND', `${dataDir} is not a Mission Control data folder (no config.json).`);
  const store = new ProfileStore(dataDir);
  const profile = store.get(store.activeId);
  if (!profile) throw new McError('NOT_FOUND', 'The data folder has no active profile.');
  let target: PgTarget;
  if (profile.kind === 'embedded') {
    const pidFile = join(dataDir, 'pg', 'postmaster.pid');
    if (!existsSync(pidFile)) throw new McError('UNAVAILABLE', 'The embedded database is not running: start Mission Control (npm start or npm run serve) with this data folder first.');
    const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
    const socketDir = join(dataDir, 'run');
    target = { host: existsSync(socketDir) ? socketDir : '127.0.0.1', port, database: EMBEDDED_DATABASE, user: '', sslmode: 'disable' };
  } else {
    target = { ...profile, user: '' };
  }
  const ingestPassword = await vault.get(secretAccounts.ingest(store.instanceId, profile.id));
  // The agent acts as the workstation's signed-in member, through that member's own login: the
  // database decides from it which org the agent's fleet belongs to.
  const member = decodeMemberLogin(await vault.get(secretAccounts.memberLogin(store.instanceId, profile.id)));
  if (!member || !ingestPassword) {
    throw new McError('UNAVAILABLE', `Mission Control has not connected to profile “${profile.name}” from this data folder yet (or nobody is signed in there); start it once, then run the agent.`);
  }
  const app = new pg.Pool({ ...clientConfig({ ...target, user: member.role }, member.password), max: 2 });
  const ingest = new pg.Pool({ ...clientConfig({ ...target, user: ingestRoleName(store.instanceId) }, ingestPassword), max: 8 });
  app.on('error', () => undefined);
  ingest.on('error', () => undefined);
  const rows = await withOrgTx(app, null, (sql) =>
    sql.query<{ operator_id: string; display_name: string; email: string; org_id: string; org_name: string; role: Session['role'] }>('SELECT * FROM mc.whoami()'),
  ).catch(async (err) => {
    await app.end();
    await ingest.end();
    throw err;
  });
  const first = rows[0];
  if (!first) throw new McError('FORBIDDEN', `The sign-in held for ${profile.operatorEmail} in “${profile.name}” is no longer a membership.`);
  const session: Session = { operatorId: first.operator_id, operatorName: first.display_name, email: first.email, orgId: first.org_id, orgName: first.org_name, role: first.role };
  return {
    profile,
    store,
    session,
    app,
    ingest,
    tx: <T>(fn: Parameters<typeof withOrgTx<T>>[2]) => withOrgTx(app, { orgId: session.orgId, operatorId: session.operatorId, role: session.role }, fn),
    async close() {
      await app.end();
      await ingest.end();
    },
  };
}
