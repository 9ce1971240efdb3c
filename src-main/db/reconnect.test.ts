import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, createOrg, type TestDatabase, testServers } from '../testing/db';
import { coreOn, signInWorkstation } from '../testing/harness';
import { needKeychain } from '../testing/keychain-gate';
import { missing } from '../testing/require';
import { authenticatorRoleName, ingestRoleName } from './authenticator';
import { clientConfig } from './pg-config';
import { secretAccounts } from './profiles';

const ok = await needKeychain();
const servers = testServers();

/** The stored SCRAM verifiers of the app's two logins, read as the server's superuser. */
async function verifiers(db: TestDatabase, instanceId: string): Promise<Record<string, string | null>> {
  const su = new pg.Client({ host: db.server.host, port: db.server.port, user: db.server.user, password: db.server.password, database: 'postgres' });
  await su.connect();
  try {
    const roles = [authenticatorRoleName(instanceId), ingestRoleName(instanceId)];
    const r = await su.query<{ rolname: string; rolpassword: string | null }>('SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1) ORDER BY rolname', [roles]);
    return Object.fromEntries(r.rows.map((x) => [x.rolname, x.rolpassword]));
  } finally {
    await su.end();
  }
}

describe.skipIf(!ok).each(servers.map((s) => [s.label, s] as const))('reconnecting on %s', (_label, server) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('changes no role password on a reconnect, and puts back one changed behind its back', async () => {
    const db = await createDatabase(server);
    cleanups.push(() => db.drop());
    const core = await coreOn(db, 'nobody@example.test');
    cleanups.push(() => core.cleanup());
    expect(core.db.state).toBe('connected');
    const instanceId = core.db.profileStore.instanceId;
    const first = await verifiers(db, instanceId);
    expect(Object.values(first)).toHaveLength(2);
    expect(Object.values(first).every((v) => v?.startsWith('SCRAM-SHA-256$'))).toBe(true);

    await core.db.activate(core.db.profileStore.activeId);
    await core.db.activate(core.db.profileStore.activeId);
    expect(core.db.state).toBe('connected');
    // The same salt and keys: no ALTER ROLE ... PASSWORD was sent.
    expect(await verifiers(db, instanceId)).toEqual(first);

    // An administrator reset the app's password: the next connect restores the stored one, once.
    const role = authenticatorRoleName(instanceId);
    const owner = await db.owner();
    await owner.query(`ALTER ROLE ${role} PASSWORD ${owner.escapeLiteral(randomBytes(12).toString('hex'))}`);
    await owner.end();
    await core.db.activate(core.db.profileStore.activeId);
    const repaired = await verifiers(db, instanceId);
    expect(repaired[role]).not.toEqual(first[role]);
    expect(repaired[ingestRoleName(instanceId)]).toEqual(first[ingestRoleName(instanceId)]);
    await core.db.activate(core.db.profileStore.activeId);
    expect(await verifiers(db, instanceId)).toEqual(repaired);
  });
});

describe.skipIf(!ok)('plain PostgreSQL 15 with an owner that is not a superuser (CREATEROLE)', () => {
  const pg15 = servers.find((s) => s.label === 'debian-pg15');
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('connects, and connects again', async (ctx) => {
    if (!pg15) {
      missing('Debian PostgreSQL 15', 'apt-get install postgresql-15');
      return ctx.skip();
    }
    const db = await createDatabase(pg15);
    cleanups.push(() => db.drop());
    const user = `own_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(16).toString('base64url');
    const su = await db.owner();
    await su.query(`CREATE ROLE ${user} LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS PASSWORD ${su.escapeLiteral(password)}`);
    await su.query(`ALTER DATABASE ${db.target.database} OWNER TO ${user}`);
    await su.end();
    cleanups.push(async () => {
      const a = new pg.Client({ host: pg15.host, port: pg15.port, user: pg15.user, password: pg15.password, database: 'postgres' });
      await a.connect();
      await a.query(`DROP OWNED BY ${user} CASCADE`).catch(() => undefined);
      await a.end();
    });
    const asOwner: TestDatabase = { ...db, target: { ...db.target, user }, password };
    const me = new pg.Client(clientConfig(asOwner.target, password));
    await me.connect();
    expect((await me.query('SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user')).rows[0]).toEqual({ rolsuper: false, rolcreaterole: true });
    await me.end();

    // First connect: migrations and the app's logins, made by the CREATEROLE owner.
    const core = await coreOn(asOwner, 'nobody@example.test');
    cleanups.push(() => core.cleanup());
    expect(core.db.message).toContain('nobody@example.test');
    expect(core.db.state).toBe('connected');
    const org = await createOrg(db, `pg15-${randomBytes(3).toString('hex')}`);
    const { id, kind: _kind, ...fields } = core.db.profileStore.get(core.db.profileStore.activeId)!;
    core.db.profileStore.saveRemote(id, { ...fields, operatorEmail: org.admin.email });
    // The admin signs in on this workstation: a login of their own, made by the CREATEROLE owner.
    expect(await signInWorkstation(asOwner, core.vault, secretAccounts.memberLogin(core.db.profileStore.instanceId, id), org.admin.email)).toBe(true);
    // Second connect: the logins exist; nothing a superuser alone may change is touched.
    await core.db.activate(core.db.profileStore.activeId);
    expect(core.db.state).toBe('connected');
    expect(core.db.session?.email).toBe(org.admin.email);
    await core.db.activate(core.db.profileStore.activeId);
    expect(core.db.session?.role).toBe('admin');
  });
});
