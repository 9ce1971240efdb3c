import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { coreOn, DIRECT } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();

describe.skipIf(!ok).each(testServers().map((s) => [s.label, s] as const))('component status on %s', (_label, server) => {
  let db: TestDatabase;
  let org: TestOrg;
  let a: Awaited<ReturnType<typeof coreOn>>;
  let b: Awaited<ReturnType<typeof coreOn>>;
  let componentId: string;

  const list = async (core = a) => ((await core.router.invoke('status.list', {}, DIRECT)) as { data: Response<'status.list'> }).data.components;

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'status');
    [componentId] = (await seedComponents(db, org.orgId, [
      { key: 'corridor.eu', name: 'EU corridor', kind: 'corridor' },
      { key: 'routing', name: 'Routing', kind: 'routing' },
    ])) as [string];
    a = await coreOn(db, org.operator.email);
    b = await coreOn(db, org.admin.email);
  });
  afterAll(async () => {
    await b?.cleanup();
    await a?.cleanup();
    await db?.drop();
  });

  it('a session says whether its org is simulated, from the org record (a real org: no)', async () => {
    expect(a.db.session).toMatchObject({ orgId: org.orgId, orgSimulated: false });
    await asOwner(db, org.orgId, (c) => c.query('UPDATE mc.orgs SET simulated = true WHERE id = $1', [org.orgId]));
    const demo = await coreOn(db, org.auditor.email);
    try {
      expect(demo.db.session).toMatchObject({ orgId: org.orgId, orgSimulated: true });
    } finally {
      await demo.cleanup();
      await asOwner(db, org.orgId, (c) => c.query('UPDATE mc.orgs SET simulated = false WHERE id = $1', [org.orgId]));
    }
  });

  it('lists components in their configured order, saying "no data" where nothing stands behind them', async () => {
    const cs = await list();
    // Neither is linked to anything measured, and nobody declared anything: never "operational".
    expect(cs.map((c) => [c.key, c.state, c.basis, c.computed.state, c.declared, c.changedBy])).toEqual([
      ['corridor.eu', null, 'none', null, null, null],
      ['routing', null, 'none', null, null, null],
    ]);
  });

  it('records who set which state, when and why, with the proving audit event', async () => {
    const r = await a.router.invoke('status.setState', { componentId, state: 'partial_outage', reason: 'FRA-2 site dark' }, DIRECT);
    expect(r.ok).toBe(true);
    const c = (r as { data: Response<'status.setState'> }).data.component;
    expect(c).toMatchObject({ state: 'partial_outage', basis: 'declared', reason: 'FRA-2 site dark', changedBy: { name: org.operator.name } });
    expect(c.declared).toMatchObject({ state: 'partial_outage', until: null, line: `Partial outage declared by ${org.operator.name} because FRA-2 site dark; computed: no data` });
    const h = (await a.router.invoke('status.history', { componentId }, DIRECT)) as { data: Response<'status.history'> };
    // Nothing was declared before: the first declaration replaces no declaration.
    expect(h.data.entries[0]).toMatchObject({ fromState: null, toState: 'partial_outage', reason: 'FRA-2 site dark', at: c.changedAt });
    const audit = (await a.router.invoke('audit.list', { limit: 1 }, DIRECT)) as { data: Response<'audit.list'> };
    expect(h.data.entries[0]?.auditSeq).toBe(audit.data.events[0]?.seq);
    expect(audit.data.events[0]).toMatchObject({ at: c.changedAt, reason: 'FRA-2 site dark', target: { type: 'component', id: componentId } });
  });

  it('lists history newest first', async () => {
    await a.router.invoke('status.setState', { componentId, state: 'operational', reason: 'FRA-2 back on grid power' }, DIRECT);
    const h = (await a.router.invoke('status.history', { componentId }, DIRECT)) as { data: Response<'status.history'> };
    expect(h.data.entries.map((e) => e.toState)).toEqual(['operational', 'partial_outage']);
  });

  it('refuses a no-op change (partial → partial) and records nothing: no history row, no audit event', async () => {
    await a.router.invoke('status.setState', { componentId, state: 'partial_outage', reason: 'FRA-2 dark again' }, DIRECT);
    const history = async () => ((await a.router.invoke('status.history', { componentId }, DIRECT)) as { data: Response<'status.history'> }).data.entries;
    const lastAudit = async () => ((await a.router.invoke('audit.list', { limit: 1 }, DIRECT)) as { data: Response<'audit.list'> }).data.events[0]?.seq;
    const [before, seq, listed] = [await history(), await lastAudit(), await list()];
    const r = await b.router.invoke('status.setState', { componentId, state: 'partial_outage', reason: 'still partial, confirming' }, DIRECT);
    expect(r.ok ? null : r.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already partial outage \(.+ set it at \d\d:\d\d UTC\)\. Nothing was recorded/) });
    expect(await history()).toEqual(before);
    expect(await lastAudit()).toBe(seq);
    expect(await list()).toEqual(listed);
    expect((await a.router.invoke('status.setState', { componentId, state: 'operational', reason: 'FRA-2 back' }, DIRECT)).ok).toBe(true);
  });

  it('the database refuses a history row that is no change, whoever writes it', async () => {
    const pool = await appPool(db);
    try {
      await expect(
        asApp(pool, org.operator, (sql) =>
          sql.query(`INSERT INTO mc.component_status_history (org_id, component_id, from_state, to_state) VALUES ($1, $2, 'partial_outage', 'partial_outage')`, [org.orgId, componentId]),
        ),
      ).rejects.toThrow(/component_status_history_is_a_change/);
    } finally {
      await pool.end();
    }
  });

  it('refuses a component that does not exist and changes nothing', async () => {
    const before = await list();
    const r = await a.router.invoke('status.setState', { componentId: '00000000-0000-4000-8000-000000000999', state: 'major_outage', reason: 'typo' }, DIRECT);
    expect(r.ok ? null : r.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(await list()).toEqual(before);
  });

  it('hides another org’s component as if it did not exist', async () => {
    const other = await createOrg(db, 'status-other');
    const outsider = await coreOn(db, other.admin.email);
    try {
      expect(await list(outsider)).toEqual([]);
      const r = await outsider.router.invoke('status.setState', { componentId, state: 'major_outage', reason: 'cross-org attempt' }, DIRECT);
      expect(r.ok ? null : r.error.code).toBe('NOT_FOUND');
      expect((await list()).find((c) => c.id === componentId)?.state).toBe('operational');
    } finally {
      await outsider.cleanup();
    }
  });

  // How fast is measured in `npm run bench` (live-update-second-instance-vs-notify), not here.
  it('reaches a second instance on the same database', async () => {
    const seen: { componentId: string }[] = [];
    const sub = b.router.subscribe('status.changed', {}, DIRECT, (e) => seen.push(e as { componentId: string }));
    expect(sub.ok).toBe(true);
    expect((await a.router.invoke('status.setState', { componentId, state: 'under_maintenance', reason: 'planned firmware update' }, DIRECT)).ok).toBe(true);
    await expect.poll(() => seen.length, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    expect(seen[0]?.componentId).toBe(componentId);
    expect((await list(b)).find((c) => c.id === componentId)?.state).toBe('under_maintenance');
    if (sub.ok) sub.data();
  });

  it('asks views to resync after the live connection drops, and carries updates again', async () => {
    const changes: boolean[] = [];
    const sys = b.router.subscribe('system.changed', {}, DIRECT, (e) => changes.push((e as { resync: boolean }).resync));
    const seen: string[] = [];
    const sub = b.router.subscribe('status.changed', {}, DIRECT, (e) => seen.push((e as { componentId: string }).componentId));
    const c = await db.owner();
    // Kill b's LISTEN connection from the server side, as a failover or a restart would.
    await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'`, [db.target.database]);
    await c.end();
    await expect.poll(() => changes.includes(true), { timeout: 10_000, interval: 50 }).toBe(true);
    expect(b.db.live).toBe(true);
    await a.router.invoke('status.setState', { componentId, state: 'operational', reason: 'maintenance done' }, DIRECT);
    await expect.poll(() => seen.length, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    if (sys.ok) sys.data();
    if (sub.ok) sub.data();
  });
});
