import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { appPool, asApp, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { flagSettings } from './flags';
import { FlagReader } from './reader';
import type pg from 'pg';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok)('feature flags and kill switches', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let auditor: Core;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'flags');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    auditor = await coreOn(db, org.auditor.email);
    pool = await appPool(db);
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.cleanup();
    await auditor?.cleanup();
    await db?.drop();
  });

  it('reaches a reader: a kill switch flipped through the contract is what the reader answers', async () => {
    // The reader reads as the app role of the org, the way the gateway will.
    let failing = false;
    const reader = new FlagReader({
      load: () => (failing ? Promise.reject(new Error('connection lost')) : asApp(pool, org.operator, (sql) => flagSettings(sql))),
    });
    await reader.refresh();
    expect(reader.evaluate('model.llama-70b', { corridorId: grid.corridorId }, false)).toEqual({ enabled: false, source: 'safe-default' });

    const { flag } = await call<Response<'flags.save'>>(admin, 'flags.save', { key: 'model.llama-70b', description: 'Serve Llama 70B', enabled: true, safeDefault: false });
    await call(admin, 'flags.save', { key: 'model.llama-70b', scopeKind: 'corridor', scopeId: grid.corridorId, enabled: false });
    await reader.refresh();
    expect(reader.evaluate('model.llama-70b', {}, false)).toEqual({ enabled: true, source: 'org' });
    expect(reader.evaluate('model.llama-70b', { corridorId: grid.corridorId }, true)).toEqual({ enabled: false, source: 'corridor' });

    // Flip the org-wide switch off: the reader sees it on its next refresh.
    await call(admin, 'flags.save', { id: flag.id, key: 'model.llama-70b', description: 'Serve Llama 70B', enabled: false, expectedVersion: flag.version });
    await reader.refresh();
    expect(reader.isEnabled('model.llama-70b', {}, true)).toBe(false);

    // Unreadable flags give the safe default, not the last value seen.
    failing = true;
    await reader.refresh();
    expect(reader.evaluate('model.llama-70b', {}, true)).toEqual({ enabled: true, source: 'safe-default' });
  });

  it('audits before and after, and raises an info alert on change', async () => {
    const { flag } = await call<Response<'flags.save'>>(admin, 'flags.save', { key: 'customer.refuse', enabled: false });
    await call(admin, 'flags.save', { id: flag.id, key: 'customer.refuse', enabled: true, reason: 'Abuse from one key' });
    const rows = await admin.db.tx(admin.db.session!, (sql) =>
      sql.query<{ action: string; data: { before: { enabled: boolean } | null; after: { enabled: boolean } } }>(
        `SELECT action, data FROM mc.audit_events WHERE target_id = $1 ORDER BY seq`,
        [flag.id],
      ),
    );
    expect(rows.map((r) => [r.action, r.data.before?.enabled ?? null, r.data.after.enabled])).toEqual([
      ['flags.create', null, false],
      ['flags.update', false, true],
    ]);
    const events = await call<Response<'deployments.list'>>(admin, 'deployments.list', {});
    expect(events.events.filter((e) => e.subjectId === flag.id).map((e) => e.message)).toContain('Feature flag changed: customer.refuse org-wide off → on.');
  });

  it('refuses bad input, stale versions and auditors, changing nothing', async () => {
    const list = async () => (await call<Response<'flags.list'>>(admin, 'flags.list', {})).flags;
    const before = await list();
    expect(await refused(admin, 'flags.save', { key: 'Bad Key!', enabled: true })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'flags.save', { key: 'scoped', scopeKind: 'corridor', enabled: true })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'flags.save', { key: 'customer.refuse', enabled: true })).toMatchObject({ code: 'CONFLICT' });
    const existing = before.find((f) => f.key === 'customer.refuse')!;
    expect(await refused(admin, 'flags.save', { id: existing.id, key: 'customer.refuse', enabled: false, expectedVersion: existing.version - 1 })).toMatchObject({ code: 'CONFLICT' });
    expect(await refused(auditor, 'flags.save', { key: 'sneaky', enabled: true })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(admin, 'flags.save', { key: 'customer.kill', scopeKind: 'customer', scopeId: '00000000-0000-4000-8000-000000000001', enabled: true })).toMatchObject({
      code: 'VALIDATION',
      message: 'That customer does not exist in this org.',
    });
    expect(await list()).toEqual(before);
  });

  it('a kill switch for one customer names that customer and reaches a reader for its requests only', async () => {
    const { customer } = await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'kenya-health', name: 'Kenya Health', tier: 'enterprise', homeCorridorId: grid.corridorId });
    const { flag } = await call<Response<'flags.save'>>(admin, 'flags.save', { key: 'customer.kill', scopeKind: 'customer', scopeId: customer.id, enabled: true });
    expect(flag).toMatchObject({ scopeKind: 'customer', scopeId: customer.id, scopeName: 'Kenya Health' });
    const reader = new FlagReader({ load: () => asApp(pool, org.operator, (sql) => flagSettings(sql)) });
    await reader.refresh();
    expect(reader.evaluate('customer.kill', { corridorId: grid.corridorId, customerId: customer.id }, false)).toEqual({ enabled: true, source: 'customer' });
    expect(reader.evaluate('customer.kill', { corridorId: grid.corridorId, customerId: '00000000-0000-4000-8000-000000000002' }, false)).toEqual({ enabled: false, source: 'safe-default' });
  });
});
