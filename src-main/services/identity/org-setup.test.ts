import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { secretAccounts } from '../../db';
import { decodeMemberLogin } from '../../db/member-logins';
import { asOwner, migratedDatabase, type TestDatabase, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();

describe.skipIf(!ok).each(testServers().map((s) => [s.label, s] as const))('organisation setup on a fresh database, on %s', (_label, server) => {
  let db: TestDatabase;
  let core: Awaited<ReturnType<typeof coreOn>>;
  const counts = () =>
    asOwner(db, null, async (c) => (await c.query<{ orgs: number; people: number; logins: number }>('SELECT (SELECT count(*)::int FROM mc.orgs) AS orgs, (SELECT count(*)::int FROM mc.operators) AS people, (SELECT count(*)::int FROM mc.member_logins) AS logins')).rows[0]);
  const request = (over: Record<string, unknown> = {}) => ({
    id: core.db.profileStore.activeId,
    orgName: 'Lagos Edge Ops',
    slug: 'lagos-edge',
    displayName: 'Funmi Adeyemi',
    email: 'funmi@lagos-edge.test',
    ownerPassword: db.password,
    ...over,
  });

  beforeAll(async () => {
    db = await migratedDatabase(server);
    core = await coreOn(db, 'funmi@lagos-edge.test');
  });
  afterAll(async () => {
    await core?.cleanup();
    await db?.drop();
  });

  it('starts connected with nobody signed in', () => {
    expect(core.db.state).toBe('connected');
    expect(core.db.session).toBeNull();
  });

  it('refuses a wrong owner password or a bad slug, and creates nothing', async () => {
    const before = await counts();
    expect(await refused(core, 'connections.createOrg', request({ ownerPassword: 'guess' }))).toMatchObject({ code: 'FORBIDDEN', fields: { ownerPassword: expect.any(String) } });
    expect(await refused(core, 'connections.createOrg', request({ slug: 'Not A Slug' }))).toMatchObject({ code: 'VALIDATION', fields: { slug: expect.any(String) } });
    expect(await refused(core, 'connections.createOrg', request({ id: 'embedded' }))).toMatchObject({ code: 'VALIDATION' });
    expect(await counts()).toEqual(before);
    expect(core.db.session).toBeNull();
  });

  it('creates the org with the person at the keyboard as its first admin, signed in through their own login', async () => {
    const r = await call<Response<'connections.createOrg'>>(core, 'connections.createOrg', request());
    expect(r.profile).toMatchObject({ active: true, operatorEmail: 'funmi@lagos-edge.test' });
    expect(core.db.session).toMatchObject({ orgName: 'Lagos Edge Ops', operatorName: 'Funmi Adeyemi', role: 'admin' });
    expect(await counts()).toEqual({ orgs: 1, people: 1, logins: 1 });
    const held = decodeMemberLogin(await core.vault.get(secretAccounts.memberLogin(core.db.profileStore.instanceId, core.db.profileStore.activeId)));
    expect(held?.email).toBe('funmi@lagos-edge.test');
    // The org's chain starts with its creation, credited to its first admin.
    const audit = await call<Response<'audit.list'>>(core, 'audit.list', {});
    expect(audit.events.map((e) => [e.action, e.actor.name, e.actor.role])).toContainEqual(['org.created', 'Funmi Adeyemi', 'admin']);
  });

  it('refuses a second org on the same database: members of an existing org come in by invitation', async () => {
    const before = await counts();
    expect(await refused(core, 'connections.createOrg', request({ slug: 'second', email: 'other@lagos-edge.test' }))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already has an organisation') });
    expect(await counts()).toEqual(before);
  });
});
