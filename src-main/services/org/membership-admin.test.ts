import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { LAST_ADMIN } from './membership-admin';

const ok = await needKeychain();

/**
 * Member management end to end: an admin's workstation changes, suspends, reinstates and removes
 * members through the contract, and the member's own workstation (its own login) sees the effect
 * on its very next statement. The database refuses what the router would, and keeps a last admin.
 */
describe.skipIf(!ok).each(testServers().map((s) => [s.label, s] as const))('member management, on %s', (_label, server) => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Awaited<ReturnType<typeof coreOn>>;
  let operator: Awaited<ReturnType<typeof coreOn>>;

  const memberships = () =>
    asOwner(db, null, async (c) => (await c.query<{ operator_id: string; role: string; suspended: boolean }>('SELECT operator_id, role, suspended_at IS NOT NULL AS suspended FROM mc.memberships WHERE org_id = $1 ORDER BY operator_id', [org.orgId])).rows);
  const events = () =>
    asOwner(db, null, async (c) => (await c.query<{ action: string; reason: string | null; target_id: string | null; actor_id: string | null }>('SELECT action, reason, target_id, actor_id FROM mc.audit_events WHERE org_id = $1 ORDER BY seq', [org.orgId])).rows);
  /** What the operator's own workstation sees on its next statement, through its own login. */
  const operatorSees = () =>
    operator.db.tx(operator.db.session!, (sql) =>
      sql.one<{ role: string | null; components: number; operators: number }>('SELECT mc.current_app_role() AS role, (SELECT count(*)::int FROM mc.components) AS components, (SELECT count(*)::int FROM mc.operators) AS operators'),
    );

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'members');
    await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }]);
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
  });
  afterAll(async () => {
    await operator?.cleanup();
    await admin?.cleanup();
    await db?.drop();
  });

  it('lists the members with role and status, marking the admin’s own row', async () => {
    const r = await call<Response<'members.list'>>(admin, 'members.list', {});
    expect(r.members).toHaveLength(4);
    expect(r.members.find((m) => m.self)).toMatchObject({ id: org.admin.operatorId, role: 'admin', status: 'active' });
    expect(r.members.every((m) => m.status === 'active' && m.suspendedAt === null)).toBe(true);
  });

  it('refuses bad input and non-admins, and changes nothing', async () => {
    const before = [await memberships(), await events()];
    expect(await refused(admin, 'members.setRole', { operatorId: org.operator.operatorId, role: 'admin' })).toMatchObject({ code: 'VALIDATION', fields: { reason: expect.any(String) } });
    expect(await refused(admin, 'members.setRole', { operatorId: org.operator.operatorId, role: 'owner', reason: 'x' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'members.suspend', { operatorId: 'not-a-uuid', reason: 'x' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'members.remove', { operatorId: '00000000-0000-4000-8000-000000000000', reason: 'left' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refused(admin, 'members.reinstate', { operatorId: org.operator.operatorId, reason: 'x' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('not suspended') });
    // The router refuses by role first…
    expect(await refused(operator, 'members.setRole', { operatorId: org.operator.operatorId, role: 'admin', reason: 'promote myself' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(operator, 'members.accessReview', {})).toMatchObject({ code: 'FORBIDDEN' });
    // …and the database again, whatever the app asks for.
    const pool = await appPool(db);
    try {
      const n = await asApp(pool, org.operator, async (sql) => (await sql.query(`UPDATE mc.memberships SET role = 'admin' WHERE org_id = $1 RETURNING 1`, [org.orgId])).length);
      expect(n).toBe(0);
      const del = await asApp(pool, org.commander, async (sql) => (await sql.query('DELETE FROM mc.memberships WHERE org_id = $1 RETURNING 1', [org.orgId])).length);
      expect(del).toBe(0);
    } finally {
      await pool.end();
    }
    expect([await memberships(), await events()]).toEqual(before);
  });

  it('a role change holds from the member’s next statement, audited with its reason', async () => {
    expect(await operatorSees()).toMatchObject({ role: 'operator', components: 1 });
    const r = await call<Response<'members.setRole'>>(admin, 'members.setRole', { operatorId: org.operator.operatorId, role: 'incident_commander', reason: 'joins the on-call rota' });
    expect(r.member).toMatchObject({ role: 'incident_commander' });
    expect(await operatorSees()).toMatchObject({ role: 'incident_commander', components: 1 });
    expect((await events()).at(-1)).toEqual({ action: 'member.role_changed', reason: 'joins the on-call rota', target_id: org.operator.operatorId, actor_id: org.admin.operatorId });
    // The same role again changes nothing and records nothing.
    const n = (await events()).length;
    await call(admin, 'members.setRole', { operatorId: org.operator.operatorId, role: 'incident_commander', reason: 'again' });
    expect(await events()).toHaveLength(n);
  });

  it('suspending ends the member’s session at once; reinstating gives it back', async () => {
    await call(admin, 'members.suspend', { operatorId: org.operator.operatorId, reason: 'laptop reported stolen' });
    expect(await operatorSees()).toEqual({ role: null, components: 0, operators: 0 });
    // Their commands are refused by the database (the workstation still believes its old session).
    const r = await operator.router.invoke('status.setState', { componentId: '00000000-0000-4000-8000-000000000000', state: 'operational', reason: 'x' }, { readOnly: false, via: 'direct' });
    expect(r.ok).toBe(false);
    expect(await operator.db.refreshSession()).toBeNull();
    expect((await call<Response<'members.list'>>(admin, 'members.list', {})).members.find((m) => m.id === org.operator.operatorId)).toMatchObject({ status: 'suspended' });
    expect(await refused(admin, 'members.suspend', { operatorId: org.operator.operatorId, reason: 'twice' })).toMatchObject({ code: 'CONFLICT' });

    await call(admin, 'members.reinstate', { operatorId: org.operator.operatorId, reason: 'laptop found, keys rotated' });
    expect(await operator.db.refreshSession()).toMatchObject({ role: 'incident_commander' });
    expect(await operatorSees()).toMatchObject({ role: 'incident_commander', components: 1 });
    expect((await events()).slice(-2).map((e) => [e.action, e.reason])).toEqual([
      ['member.suspended', 'laptop reported stolen'],
      ['member.reinstated', 'laptop found, keys rotated'],
    ]);
  });

  it('keeps the last active admin, in the service and in the database', async () => {
    const before = [await memberships(), await events()];
    for (const [channel, extra] of [['members.setRole', { role: 'operator' }], ['members.suspend', {}], ['members.remove', {}]] as const) {
      const err = await refused(admin, channel, { operatorId: org.admin.operatorId, reason: 'stepping down', ...extra });
      expect(err).toMatchObject({ code: 'CONFLICT', message: LAST_ADMIN(channel === 'members.remove' ? 'remove' : 'change') });
    }
    // The database refuses it too, whoever asks (here the owner, past every app check).
    const err = await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.memberships SET suspended_at = now() WHERE org_id = $1 AND operator_id = $2`, [org.orgId, org.admin.operatorId])).catch((e: { code?: string; message?: string }) => e);
    expect(err).toMatchObject({ code: 'UECFL', message: expect.stringContaining('last active admin') });
    expect([await memberships(), await events()]).toEqual(before);
    // With a second admin, the first may step down; the workstation's session follows.
    await call(admin, 'members.setRole', { operatorId: org.commander.operatorId, role: 'admin', reason: 'second admin' });
    await call(admin, 'members.setRole', { operatorId: org.admin.operatorId, role: 'operator', reason: 'hands admin over' });
    expect(admin.db.session).toMatchObject({ role: 'operator' });
    expect(await refused(admin, 'members.setRole', { operatorId: org.admin.operatorId, role: 'admin', reason: 'take it back' })).toMatchObject({ code: 'FORBIDDEN' });
    // Restore for the tests that follow (as the owner, who seeds the way the app's first admin would).
    await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.memberships SET role = 'admin' WHERE org_id = $1 AND operator_id = $2`, [org.orgId, org.admin.operatorId]));
    expect(await admin.db.refreshSession()).toMatchObject({ role: 'admin' });
  });

  it('the access review lists role, status, last sign-in and last action', async () => {
    const r = await call<Response<'members.accessReview'>>(admin, 'members.accessReview', {});
    expect(r.orgName).toBe('Org members');
    const byId = new Map(r.rows.map((x) => [x.id, x]));
    expect(byId.get(org.admin.operatorId)).toMatchObject({ role: 'admin', status: 'active', lastSignIn: expect.any(String), lastAction: { action: 'member.role_changed' } });
    expect(byId.get(org.operator.operatorId)).toMatchObject({ lastSignIn: expect.any(String), lastAction: null });
    // Never signed in on any workstation: no login was ever made.
    expect(byId.get(org.auditor.operatorId)).toMatchObject({ lastSignIn: null, lastAction: null });
  });

  it('removing ends the member’s logins: the mapping goes at once, the role is dropped', async () => {
    const logins = () => asOwner(db, null, async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM mc.member_logins WHERE operator_id = $1`, [org.operator.operatorId])).rows[0]!.n);
    const roleNames = await asOwner(db, null, async (c) => (await c.query<{ role_name: string }>('SELECT role_name FROM mc.member_logins WHERE operator_id = $1', [org.operator.operatorId])).rows.map((x) => x.role_name));
    expect(roleNames.length).toBeGreaterThan(0);
    const r = await call<Response<'members.remove'>>(admin, 'members.remove', { operatorId: org.operator.operatorId, reason: 'left the company' });
    expect(r).toEqual({ ok: true, logins: roleNames.length });
    expect(await logins()).toBe(0);
    const left = await asOwner(db, null, async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1)', [roleNames])).rows[0]!.n);
    expect(left).toBe(0);
    expect((await memberships()).map((m) => m.operator_id)).not.toContain(org.operator.operatorId);
    expect((await events()).at(-1)).toMatchObject({ action: 'member.removed', reason: 'left the company', target_id: org.operator.operatorId });
  });
});
