import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, seedRollup, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
const NOW = new Date();
const minute = (back: number) => new Date(Math.floor(NOW.getTime() / 60_000) * 60_000 - back * 60_000);

describe.skipIf(!ok)('network overlay and site panel', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let other: TestOrg;
  let grid: TestGrid;
  let otherGrid: TestGrid;
  let admin: Core;
  let auditor: Core;
  let secondNode: string;

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'net');
    other = await createOrg(db, 'net-other');
    // A component declared before its corridor existed (as the demo seed does) is adopted, not duplicated.
    await asOwner(db, org.orgId, (c) =>
      c.query(`INSERT INTO mc.components (org_id, key, name, kind) VALUES ($1, 'corridor.europe', 'EU corridor', 'corridor')`, [org.orgId]),
    );
    grid = await seedGrid(db, org, 'fra-01');
    otherGrid = await seedGrid(db, other, 'ams-01');
    secondNode = randomUUID();
    await asOwner(db, org.orgId, (c) =>
      c.query(
        `INSERT INTO mc.nodes (id, org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
         VALUES ($1, $2, $3, $4, 'fra-02', 'vllm', 'H100', 8, 640, 1000, 'active')`,
        [secondNode, org.orgId, grid.siteId, grid.groupId],
      ),
    );
    admin = await coreOn(db, org.admin.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    await admin?.cleanup();
    await auditor?.cleanup();
    await db?.drop();
  });

  const overlay = (core: Core) => call<Response<'network.overlay'>>(core, 'network.overlay', {});

  it('links each corridor to its status component: an existing one by name, a new one otherwise', async () => {
    const o = await overlay(auditor);
    expect(o.corridors).toHaveLength(1);
    expect(o.corridors[0]).toMatchObject({ corridorId: grid.corridorId, component: { key: 'corridor.europe', name: 'EU corridor', state: 'operational' }, incidents: [] });
    const { corridor } = await call<Response<'grid.createCorridor'>>(admin, 'grid.createCorridor', {
      key: 'nordics',
      name: 'Nordics',
      region: 'custom',
      policy: { allowedCountries: ['SE', 'NO', 'FI'] },
    });
    const after = await overlay(auditor);
    expect(after.corridors.find((c) => c.corridorId === corridor.id)?.component).toMatchObject({ key: 'corridor.nordics', name: 'Nordics corridor', state: 'operational' });
    // It is on /status like any component, and its state is what the overlay reports.
    const status = await call<Response<'status.list'>>(admin, 'status.list', {});
    const component = status.components.find((c) => c.key === 'corridor.nordics')!;
    expect(component.kind).toBe('corridor');
    await call(admin, 'status.setState', { componentId: component.id, state: 'partial_outage', reason: 'Stockholm uplink down' });
    expect((await overlay(auditor)).corridors.find((c) => c.corridorId === corridor.id)?.component).toMatchObject({ state: 'partial_outage', reason: 'Stockholm uplink down' });
  });

  it('marks open incidents on the corridor, and on the site for the site or any of its nodes; closed ones drop off', async () => {
    const onNode = await call<Response<'incidents.create'>>(admin, 'incidents.create', { title: 'fra-02 GPU fault', severity: 'high', affected: [{ kind: 'node', id: secondNode }] });
    const onSite = await call<Response<'incidents.create'>>(admin, 'incidents.create', { title: 'Frankfurt power', severity: 'critical', affected: [{ kind: 'site', id: grid.siteId }] });
    const onCorridor = await call<Response<'incidents.create'>>(admin, 'incidents.create', { title: 'EU backbone', severity: 'medium', affected: [{ kind: 'corridor', id: grid.corridorId }] });
    const o = await overlay(auditor);
    const site = o.sites.find((s) => s.siteId === grid.siteId)!;
    // Worst first.
    expect(site.incidents.map((i) => i.ref)).toEqual([onSite.incident.ref, onNode.incident.ref]);
    expect(site.incidents[0]).toMatchObject({ title: 'Frankfurt power', severity: 'critical', drill: false });
    expect(o.corridors.find((c) => c.corridorId === grid.corridorId)!.incidents.map((i) => i.ref)).toEqual([onCorridor.incident.ref]);

    // The side panel lists all three: site, node and corridor.
    const panel = await call<Response<'network.site'>>(auditor, 'network.site', { siteId: grid.siteId });
    expect(panel.incidents.map((i) => i.title).sort()).toEqual(['EU backbone', 'Frankfurt power', 'fra-02 GPU fault']);

    await call(admin, 'incidents.transition', { incidentId: onNode.incident.id, to: 'declined', expectedState: 'triage', reason: 'Not an incident: a planned GPU swap' });
    const later = await overlay(auditor);
    expect(later.sites.find((s) => s.siteId === grid.siteId)!.incidents.map((i) => i.ref)).toEqual([onSite.incident.ref]);
  });

  it('charts the site’s last hour by minute: summed tokens, worst P95, gaps kept as gaps', async () => {
    for (const back of [2, 3]) {
      await seedRollup(db, org, grid.nodeId, 6, minute(back), 100);
      await seedRollup(db, org, secondNode, 6, minute(back), 250);
      await seedRollup(db, org, grid.nodeId, 7, minute(back), 300);
      await seedRollup(db, org, secondNode, 7, minute(back), 900);
      await seedRollup(db, org, grid.nodeId, 9, minute(back), 0.01);
      await seedRollup(db, org, secondNode, 9, minute(back), 0.03);
    }
    await seedRollup(db, org, secondNode, 1, minute(2), 80);
    // Another org's figures for the same minute never mix in.
    await seedRollup(db, other, otherGrid.nodeId, 6, minute(2), 99_999);
    const { series, from, to } = await call<Response<'network.site'>>(auditor, 'network.site', { siteId: grid.siteId });
    expect(series.t).toHaveLength(60);
    expect(new Date(to).getTime() - new Date(from).getTime()).toBe(3_600_000);
    const at = series.t.indexOf(minute(2).getTime() / 1000);
    expect(at).toBeGreaterThan(0);
    expect(series.tokensPerS[at]).toBe(350);
    expect(series.p95LatencyMs[at]).toBe(900);
    expect(series.errorRate[at]).toBeCloseTo(0.02, 10);
    expect(series.gpuUtilPct[at]).toBe(80);
    expect(series.reporting[at]).toBe(2);
    // The minute before any report is a gap, not a zero.
    expect(series.tokensPerS[at - 2]).toBeNull();
    expect(series.reporting[at - 2]).toBe(0);
  });

  it('refuses an unknown site, another org’s site, and a malformed id with a clear error', async () => {
    expect(await refused(auditor, 'network.site', { siteId: randomUUID() })).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('does not exist in this org') });
    expect(await refused(auditor, 'network.site', { siteId: otherGrid.siteId })).toMatchObject({ code: 'NOT_FOUND' });
    const bad = await refused(auditor, 'network.site', { siteId: 'frankfurt' });
    expect(bad.code).toBe('VALIDATION');
    expect(bad.fields?.siteId).toBeDefined();
    expect(await refused(auditor, 'network.site', { siteId: grid.siteId, extra: 1 })).toMatchObject({ code: 'VALIDATION' });
    // The other org sees its own corridor only.
    const otherAdmin = await coreOn(db, other.admin.email);
    try {
      const o = await overlay(otherAdmin);
      expect(o.corridors.map((c) => c.corridorId)).toEqual([otherGrid.corridorId]);
      expect(o.sites).toEqual([]);
    } finally {
      await otherAdmin.cleanup();
    }
  });
});
