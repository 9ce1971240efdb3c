import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { createAppCore } from '../../core/app-core';
import { silentLogger } from '../../core/log';
import { secretAccounts } from '../../db';
import { decodeMemberLogin } from '../../db/member-logins';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { coreOn, DIRECT, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { appendAudit } from '../audit/append';

const ok = await needKeychain();

/**
 * Who acts is the database's decision (sql/0017): every knob the workstation has (its settings
 * file, the session settings of a transaction, the fields of a payload, the session object it
 * hands to a transaction) is turned towards another operator here, and neither RLS nor the audit
 * actor follows.
 */
describe.skipIf(!ok).each(testServers().map((s) => [s.label, s] as const))('identity the database enforces, on %s', (_label, server) => {
  let db: TestDatabase;
  let org: TestOrg;
  let other: TestOrg;
  let operator: Awaited<ReturnType<typeof coreOn>>;
  let componentId: string;
  const actors = async () =>
    asOwner(db, null, async (c) => (await c.query<{ actor_id: string | null; actor_role: string | null }>('SELECT actor_id, actor_role FROM mc.audit_events WHERE org_id = $1 ORDER BY seq', [org.orgId])).rows);

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'ident');
    other = await createOrg(db, 'ident-other');
    [componentId] = (await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }])) as [string];
    await seedComponents(db, other.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }]);
    operator = await coreOn(db, org.operator.email);
  });
  afterAll(async () => {
    await operator?.cleanup();
    await db?.drop();
  });

  it('ignores session settings that name another org, operator or role', async () => {
    const pool = await appPool(db);
    try {
      const seen = await asApp(pool, org.operator, async (sql) => {
        await sql.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.operator_id', $2, true), set_config('mc.role', 'admin', true)`, [
          other.orgId,
          other.admin.operatorId,
        ]);
        const who = await sql.one<{ org: string; op: string; role: string }>('SELECT mc.current_org_id() AS org, mc.current_operator_id() AS op, mc.current_app_role() AS role');
        const components = await sql.query<{ org_id: string }>('SELECT org_id FROM mc.components');
        return { who, components };
      });
      expect(seen.who).toEqual({ org: org.orgId, op: org.operator.operatorId, role: 'operator' });
      expect(seen.components.map((c) => c.org_id)).toEqual([org.orgId]);
      // An admin-only write stays refused, however the settings claim admin.
      const err = await asApp(pool, org.operator, async (sql) => {
        await sql.query(`SELECT set_config('mc.role', 'admin', true)`);
        return sql.query(`UPDATE mc.orgs SET name = 'Taken over' WHERE id = $1`, [org.orgId]);
      }).catch((e: { code?: string }) => e);
      expect((err as { code?: string }).code).toBe('42501');
      expect(await asOwner(db, null, async (c) => (await c.query('SELECT name FROM mc.orgs WHERE id = $1', [org.orgId])).rows[0].name)).toBe('Org ident');
    } finally {
      await pool.end();
    }
  });

  it('gives the installation’s own login no org at all, whatever it sets', async () => {
    const pool = await appPool(db);
    try {
      // No member scope: asApp runs through the authenticator itself.
      const n = await asApp(pool, { ...org.admin, operatorId: '' }, async (sql) => {
        await sql.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.operator_id', $2, true), set_config('mc.role', 'admin', true)`, [org.orgId, org.admin.operatorId]);
        return sql.one<{ n: number; org: string | null }>('SELECT count(*)::int AS n, mc.current_org_id() AS org FROM mc.components');
      });
      expect(n).toEqual({ n: 0, org: null });
    } finally {
      await pool.end();
    }
  });

  it('refuses an audit event credited to another person, role or name; the app itself may not borrow a member’s name', async () => {
    const before = await actors();
    const session = operator.db.session!;
    expect(session).toMatchObject({ operatorId: org.operator.operatorId, role: 'operator' });
    const forged = [
      { ...session, operatorId: org.admin.operatorId, operatorName: org.admin.name, role: 'admin' as const },
      { ...session, role: 'admin' as const },
      { ...session, operatorName: org.admin.name },
    ];
    for (const s of forged) {
      const err = await operator.db.tx(s, (sql) => appendAudit(sql, s, { action: 'status.set_state', target: { type: 'component', id: componentId } }, { reason: 'forged', requestId: null })).catch((e: { code?: string }) => e);
      expect((err as { code?: string }).code).toBe('42501');
    }
    const posing = await operator.db
      .tx(session, (sql) => appendAudit(sql, session, { action: 'alerts.fired', target: { type: 'alert', id: null } }, { reason: null, requestId: null, actor: { id: null, name: org.admin.name, role: null } }))
      .catch((e: { code?: string }) => e);
    expect((posing as { code?: string }).code).toBe('42501');
    expect(await actors()).toEqual(before);
    // The honest ones pass: the member as themselves, and the app as itself.
    await operator.db.tx(session, (sql) => appendAudit(sql, session, { action: 'status.set_state', target: { type: 'component', id: componentId } }, { reason: 'own', requestId: null }));
    await operator.db.tx(session, (sql) =>
      appendAudit(sql, session, { action: 'alerts.fired', target: { type: 'alert', id: null } }, { reason: null, requestId: null, actor: { id: null, name: 'alert rules', role: null } }),
    );
    expect((await actors()).slice(before.length)).toEqual([
      { actor_id: org.operator.operatorId, actor_role: 'operator' },
      { actor_id: null, actor_role: null },
    ]);
  });

  it('a payload that names another actor is refused, and a command is credited to the signed-in member', async () => {
    const err = await refused(operator, 'status.setState', { componentId, state: 'degraded_performance', reason: 'slow links', actorId: org.admin.operatorId });
    expect(err.code).toBe('VALIDATION');
    const r = (await operator.router.invoke('status.setState', { componentId, state: 'degraded_performance', reason: 'slow links' }, DIRECT)) as { ok: true; data: Response<'status.setState'> };
    expect(r.ok).toBe(true);
    expect((await actors()).at(-1)).toEqual({ actor_id: org.operator.operatorId, actor_role: 'operator' });
  });

  it('tells the UI the identity comes from a database sign-in', async () => {
    const r = (await operator.router.invoke('system.info', {}, DIRECT)) as { ok: true; data: Response<'system.info'> };
    expect(r.data).toMatchObject({ identityMode: 'database-login', session: { email: org.operator.email } });
  });

  it('a settings file edited to name the admin still acts as the member who signed in', async () => {
    const data = operator.dataDir;
    const file = join(data, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as { profiles: { operatorEmail: string }[] };
    config.profiles[0]!.operatorEmail = org.admin.email;
    await operator.close();
    writeFileSync(file, JSON.stringify(config));
    const again = createAppCore({ dataDir: data, vault: operator.vault, log: silentLogger(), seedDemo: false, validateResponses: true, opsJob: false });
    try {
      await again.start();
      expect(again.db.session).toMatchObject({ operatorId: org.operator.operatorId, email: org.operator.email, role: 'operator' });
      const r = await again.router.invoke('status.setState', { componentId, state: 'operational', reason: 'recovered' }, DIRECT);
      expect(r.ok).toBe(true);
      expect((await actors()).at(-1)).toEqual({ actor_id: org.operator.operatorId, actor_role: 'operator' });
    } finally {
      await again.close();
    }
  });

  it('a role change takes effect on the next statement, and removing the member ends the login at once', async () => {
    const pool = await appPool(db);
    try {
      const role = () => asApp(pool, org.commander, (sql) => sql.one<{ r: string | null; n: number }>('SELECT mc.current_app_role() AS r, (SELECT count(*)::int FROM mc.components) AS n'));
      expect(await role()).toEqual({ r: 'incident_commander', n: 1 });
      await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.memberships SET role = 'auditor' WHERE org_id = $1 AND operator_id = $2`, [org.orgId, org.commander.operatorId]));
      expect(await role()).toEqual({ r: 'auditor', n: 1 });
      await asOwner(db, org.orgId, (c) => c.query('DELETE FROM mc.memberships WHERE org_id = $1 AND operator_id = $2', [org.orgId, org.commander.operatorId]));
      expect(await role()).toEqual({ r: null, n: 0 });
    } finally {
      await pool.end();
    }
  });

  it('keeps the member login’s password only in the keychain', async () => {
    const held = decodeMemberLogin(await operator.vault.get(secretAccounts.memberLogin(operator.db.profileStore.instanceId, operator.db.profileStore.activeId)));
    expect(held?.role).toMatch(/^mc_m_[0-9a-f]{24}$/);
    expect(readFileSync(join(operator.dataDir, 'config.json'), 'utf8')).not.toContain(held!.password);
  });
});
