import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok)('component status computed from records, declared shown as such', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let op: Core;

  const list = async () => (await call<Response<'status.list'>>(op, 'status.list', {})).components;
  const byKind = async (kind: string) => (await list()).find((c) => c.kind === kind)!;

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'computed');
    grid = await seedGrid(db, org);
    await seedComponents(db, org.orgId, [
      { key: 'database', name: 'Database', kind: 'database' },
      { key: 'telemetry', name: 'Telemetry pipeline', kind: 'telemetry' },
      { key: 'runtimes', name: 'Runtimes', kind: 'runtime' },
    ]);
    op = await coreOn(db, org.operator.email);
  });
  afterAll(async () => {
    await op?.cleanup();
    await db?.drop();
  });

  it('computes each component from what stands behind it, and says "no data" where nothing does', async () => {
    // The corridor's only running node never reported: the corridor is out, and so is the pipeline.
    expect((await byKind('corridor')).computed).toMatchObject({ state: 'major_outage', explain: '1 of 1 running nodes critical or silent, 0 warning.' });
    expect((await byKind('database')).computed.state).toBe('operational');
    expect((await byKind('telemetry')).computed).toMatchObject({ state: 'major_outage', explain: expect.stringContaining('0 of 1 running nodes reported') });
    expect(await byKind('runtime')).toMatchObject({ state: null, basis: 'none', computed: { state: null } });
  });

  it('turns healthy when the records say so', async () => {
    await asOwner(db, org.orgId, (c) =>
      c.query(`INSERT INTO mc.node_latest (node_id, org_id, seen_at, p95_latency_ms, error_rate, gpu_temp_c, queue_depth) VALUES ($1, $2, now(), 200, 0.001, 60, 3)`, [
        grid.nodeId,
        org.orgId,
      ]),
    );
    expect(await byKind('corridor')).toMatchObject({ state: 'operational', basis: 'computed', computed: { state: 'operational' } });
    expect((await byKind('telemetry')).computed.state).toBe('operational');
  });

  it('reflects an open critical incident on the corridor, but not a drill', async () => {
    const drill = (await call<Response<'incidents.create'>>(op, 'incidents.create', { title: 'EU failover drill', severity: 'critical', drill: true, affected: [{ kind: 'corridor', id: grid.corridorId }] })).incident;
    expect((await byKind('corridor')).state).toBe('operational');
    const real = (await call<Response<'incidents.create'>>(op, 'incidents.create', { title: 'EU down', severity: 'critical', affected: [{ kind: 'corridor', id: grid.corridorId }] })).incident;
    expect(await byKind('corridor')).toMatchObject({ state: 'partial_outage', basis: 'computed', computed: { explain: expect.stringContaining('Open critical incident') } });
    const summary = (await call<Response<'operator.summary'>>(op, 'operator.summary', {})).corridors[0];
    expect(summary).toMatchObject({ health: 'critical', basis: 'incident' });
    for (const i of [drill, real]) await call(op, 'incidents.transition', { incidentId: i.id, to: 'resolved', expectedState: 'triage', reason: 'test over' });
  });

  it('never lets a declared better state hide a worse computed one in the roll-up', async () => {
    await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.node_latest SET p95_latency_ms = 5000 WHERE node_id = $1`, [grid.nodeId]));
    const corridor = await byKind('corridor');
    const { component } = await call<Response<'status.setState'>>(op, 'status.setState', { componentId: corridor.id, state: 'operational', reason: 'looks fine to me' });
    expect(component).toMatchObject({ state: 'major_outage', basis: 'computed', declared: { state: 'operational' } });
    expect(component.declared!.line).toBe(`Operational declared by ${org.operator.name} because looks fine to me; computed: major outage`);
  });

  it('shows a worse declaration over better figures, and drops it when it expires', async () => {
    await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.node_latest SET p95_latency_ms = 200 WHERE node_id = $1`, [grid.nodeId]));
    const database = await byKind('database');
    const until = new Date(Date.now() + 3600_000).toISOString();
    const { component } = await call<Response<'status.setState'>>(op, 'status.setState', { componentId: database.id, state: 'under_maintenance', reason: 'minor version upgrade', until });
    expect(component).toMatchObject({ state: 'under_maintenance', basis: 'declared', computed: { state: 'operational' }, declared: { until } });
    // An hour later (the same rows, judged at a later time), the declaration no longer counts.
    await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.components SET declared_until = now() - interval '1 second' WHERE id = $1`, [database.id]));
    expect(await byKind('database')).toMatchObject({ state: 'operational', basis: 'computed', declared: null, reason: 'minor version upgrade' });
  });

  it('refuses a declaration that ends in the past, changing nothing', async () => {
    const database = await byKind('database');
    const before = await asOwner(db, org.orgId, async (c) => (await c.query('SELECT * FROM mc.components WHERE id = $1', [database.id])).rows);
    const err = await refused(op, 'status.setState', { componentId: database.id, state: 'major_outage', reason: 'typo in the time', until: new Date(Date.now() - 60_000).toISOString() });
    expect(err).toMatchObject({ code: 'VALIDATION', fields: { until: expect.any(String) } });
    expect(await asOwner(db, org.orgId, async (c) => (await c.query('SELECT * FROM mc.components WHERE id = $1', [database.id])).rows)).toEqual(before);
  });
});
