import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

describe.skipIf(!ok)('draining what an incident names, and putting it back', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let operator: Core;
  let auditor: Core;
  /** Two more nodes at the seeded site (one offline), and one active node at a second site. */
  const ids = { siteNode2: '', offline: '', otherSite: '', otherNode: '' };

  const lifecycles = async () =>
    Object.fromEntries(
      (await asOwner(db, org.orgId, (c) => c.query<{ id: string; lifecycle: string }>('SELECT id, lifecycle FROM mc.nodes WHERE org_id = $1', [org.orgId]))).rows.map((r) => [r.id, r.lifecycle]),
    );
  const audited = async (action: string) =>
    (await asOwner(db, org.orgId, (c) => c.query<{ target_id: string; data: Record<string, unknown> }>('SELECT target_id, data FROM mc.audit_events WHERE org_id = $1 AND action = $2 ORDER BY seq', [org.orgId, action]))).rows;
  const create = async (affected: { kind: string; id: string }[], title = 'GPU errors at FRA-01') =>
    (await call<Response<'incidents.create'>>(operator, 'incidents.create', { title, severity: 'high', affected })).incident;
  const plan = (incidentId: string) => call<Response<'incidents.drainPlan'>>(operator, 'incidents.drainPlan', { incidentId });

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'drain');
    grid = await seedGrid(db, org);
    await asOwner(db, org.orgId, async (c) => {
      const node = async (site: string, host: string, lifecycle: string, group = grid.groupId) =>
        (
          await c.query<{ id: string }>(
            `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
             VALUES ($1, $2, $3, $4, 'vllm', 'L4', 1, 24, 500, $5) RETURNING id`,
            [org.orgId, site, group, host, lifecycle],
          )
        ).rows[0]!.id;
      ids.siteNode2 = await node(grid.siteId, 'fra-01-gpu02', 'active');
      ids.offline = await node(grid.siteId, 'fra-01-gpu03', 'offline');
      ids.otherSite = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name)
           VALUES ($1, $2, 'ams-01', 'AMS-01', 'colocation', 'NL', 52.4, 4.9, 'Equinix') RETURNING id`,
          [org.orgId, grid.corridorId],
        )
      ).rows[0]!.id;
      const otherGroup = (await c.query<{ id: string }>(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'pool-b', 'Pool B') RETURNING id`, [org.orgId, ids.otherSite])).rows[0]!.id;
      ids.otherNode = await node(ids.otherSite, 'ams-01-gpu01', 'active', otherGroup);
    });
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    for (const c of [operator, auditor]) await c?.cleanup();
    await db?.drop();
  });

  it('drains the active nodes of the sites and nodes it names, each audited with the incident, and puts them back', async () => {
    const i = await create([
      { kind: 'site', id: grid.siteId },
      { kind: 'node', id: ids.otherNode },
    ]);
    const before = await plan(i.id);
    expect(before.drainable.map((n) => n.hostname)).toEqual(['ams-01-gpu01', 'fra-01-gpu01', 'fra-01-gpu02']);
    expect(before.drainable.find((n) => n.hostname === 'ams-01-gpu01')!.siteName).toBe('AMS-01');
    // The offline node at the site is named but not drained.
    expect(before).toMatchObject({ notActive: 1, corridors: 0, drained: [], tooMany: false });

    const r = await call<Response<'incidents.drain'>>(operator, 'incidents.drain', { incidentId: i.id, reason: 'GPU errors: move the traffic' });
    expect(r.drained.map((n) => [n.hostname, n.lifecycle])).toEqual([
      ['ams-01-gpu01', 'draining'],
      ['fra-01-gpu01', 'draining'],
      ['fra-01-gpu02', 'draining'],
    ]);
    const now = await lifecycles();
    expect([now[grid.nodeId], now[ids.siteNode2], now[ids.otherNode], now[ids.offline]]).toEqual(['draining', 'draining', 'draining', 'offline']);
    // One audit event per node, naming the incident; one timeline entry with the reason.
    const changed = (await audited('nodes.lifecycle_changed')).filter((e) => e.data.incidentId === i.id);
    expect(changed.map((e) => [e.target_id, e.data.from, e.data.to]).sort()).toEqual(
      [grid.nodeId, ids.siteNode2, ids.otherNode].map((id) => [id, 'active', 'draining']).sort(),
    );
    const d = await call<Response<'incidents.get'>>(operator, 'incidents.get', { incidentId: i.id });
    const entry = d.timeline.find((t) => t.kind === 'nodes_drained')!;
    expect(entry).toMatchObject({ body: 'GPU errors: move the traffic', actor: { name: org.operator.name } });
    expect(entry.data).toMatchObject({ count: 3, hostnames: ['ams-01-gpu01', 'fra-01-gpu01', 'fra-01-gpu02'] });
    expect((await plan(i.id)).drained.map((n) => n.hostname)).toEqual(['ams-01-gpu01', 'fra-01-gpu01', 'fra-01-gpu02']);

    // Draining again: nothing active is left to drain, and nothing changes.
    expect(await refused(operator, 'incidents.drain', { incidentId: i.id, reason: 'again' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('names no active node') });

    // An operator moves one of them on their own (offline for repair): it is theirs now.
    await call(operator, 'nodes.transition', { nodeId: ids.otherNode, to: 'offline', reason: 'sent for repair' });
    expect((await plan(i.id)).drained.map((n) => n.hostname)).toEqual(['fra-01-gpu01', 'fra-01-gpu02']);
    const back = await call<Response<'incidents.restore'>>(operator, 'incidents.restore', { incidentId: i.id, reason: 'firmware fixed' });
    expect(back.restored.map((n) => n.hostname)).toEqual(['fra-01-gpu01', 'fra-01-gpu02']);
    expect(back.left).toBe(1);
    const after = await lifecycles();
    expect([after[grid.nodeId], after[ids.siteNode2], after[ids.otherNode], after[ids.offline]]).toEqual(['active', 'active', 'offline', 'offline']);
    const restoredEvents = (await audited('nodes.lifecycle_changed')).filter((e) => e.data.incidentId === i.id && e.data.to === 'active');
    expect(restoredEvents.map((e) => e.target_id).sort()).toEqual([grid.nodeId, ids.siteNode2].sort());
    const d2 = await call<Response<'incidents.get'>>(operator, 'incidents.get', { incidentId: i.id });
    expect(d2.timeline.find((t) => t.kind === 'nodes_restored')).toMatchObject({ body: 'firmware fixed', data: { count: 2, left: 1 } });
    // Nothing more to put back: refused, and it says why.
    expect(await refused(operator, 'incidents.restore', { incidentId: i.id, reason: 'again' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('moved since') });
    // Leave the grid as the other tests expect it.
    await call(operator, 'nodes.transition', { nodeId: ids.otherNode, to: 'active', reason: 'repaired' });
  });

  it('refuses a drain without a reason, from an ended incident, from a role that cannot write, or for an incident naming nothing to drain; nothing changes', async () => {
    const start = await lifecycles();
    const i = await create([{ kind: 'node', id: grid.nodeId }]);
    expect(await refused(operator, 'incidents.drain', { incidentId: i.id, reason: 'x' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(operator, 'incidents.drain', { incidentId: i.id })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(operator, 'incidents.drain', { incidentId: 'not-a-uuid', reason: 'why not' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(auditor, 'incidents.drain', { incidentId: i.id, reason: 'an auditor tries' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(operator, 'incidents.drain', { incidentId: '00000000-0000-4000-8000-000000000000', reason: 'no such incident' })).toMatchObject({ code: 'NOT_FOUND' });

    // Only a corridor named: never drained whole from an incident.
    const corridor = await create([{ kind: 'corridor', id: grid.corridorId }], 'EU corridor slow');
    expect((await plan(corridor.id)).corridors).toBe(1);
    expect(await refused(operator, 'incidents.drain', { incidentId: corridor.id, reason: 'drain the corridor' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('names only corridors') });
    // Nothing named at all.
    const bare = await create([], 'Customer reports slowness');
    expect(await refused(operator, 'incidents.drain', { incidentId: bare.id, reason: 'drain something' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('names no site or node') });
    expect(await refused(operator, 'incidents.restore', { incidentId: bare.id, reason: 'put back' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('has drained no node') });

    // An ended incident is a record: no drains from it.
    await call(operator, 'incidents.transition', { incidentId: i.id, expectedState: 'triage', to: 'declined', reason: 'not ours' });
    expect(await refused(operator, 'incidents.drain', { incidentId: i.id, reason: 'too late' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('only from an open incident') });

    expect(await lifecycles()).toEqual(start);
    expect((await audited('incidents.nodes_drained')).filter((e) => [i.id, corridor.id, bare.id].includes(e.target_id))).toEqual([]);
  });
});
