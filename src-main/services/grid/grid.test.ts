import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { ingestPool, samplesNow, seedGrid, type TestGrid } from '../../testing/grid';
import { coreOn, DIRECT, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { sendBatch } from '../telemetry';
import { drainLabel, siteFigures } from '../../../src-shared/domain/network';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

async function call<N extends Parameters<Core['router']['invoke']>[0] & string>(core: Core, channel: N, payload: unknown) {
  const r = await core.router.invoke(channel, payload, DIRECT);
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.data as never;
}

/** Every table a grid, key or telemetry-validation command writes to. */
const GRID_TABLES = [
  'corridors',
  'sites',
  'node_groups',
  'nodes',
  'node_keys',
  'node_latest',
  'telemetry',
  'telemetry_rollups_1m',
  'ingest_batches',
  'ingest_rejections',
  'evidence_records',
  'audit_events',
] as const;

/** The org's rows as stored (read as the owner, past RLS), in a stable order; unattributed ingest refusals included. */
async function storedRows(db: TestDatabase, orgId: string): Promise<Record<string, unknown[]>> {
  return asOwner(db, null, async (c) => {
    const out: Record<string, unknown[]> = {};
    for (const t of GRID_TABLES) {
      out[t] = (await c.query(`SELECT to_jsonb(x) AS row FROM mc.${t} x WHERE x.org_id = $1 OR x.org_id IS NULL ORDER BY to_jsonb(x)::text`, [orgId])).rows.map((r) => r.row);
    }
    return out;
  });
}

function filesText(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out += filesText(p);
    else if (st.isFile()) out += readFileSync(p, 'utf8');
  }
  return out;
}

describe.skipIf(!ok)('the grid through the contract', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let auditor: Core;
  let ingest: pg.Pool;

  const auditActions = async () =>
    ((await call(admin, 'audit.list', { limit: 500 })) as Response<'audit.list'>).events.map((e) => ({ action: e.action, data: e.data, reason: e.reason }));

  /** A call that must be refused: its error, after checking that nothing stored was added, lost or changed. */
  async function refusedUnchanged(core: Core, channel: string, payload: unknown) {
    const before = await storedRows(db, org.orgId);
    expect(before.corridors?.length).toBeGreaterThan(0);
    const err = await refused(core, channel, payload);
    expect(await storedRows(db, org.orgId)).toEqual(before);
    return err;
  }

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'grid');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    auditor = await coreOn(db, org.auditor.email);
    ingest = await ingestPool(db);
  });
  afterAll(async () => {
    await ingest?.end();
    await auditor?.cleanup();
    await admin?.cleanup();
    await db?.drop();
  });

  describe('residency', () => {
    it('refuses a site in a country the corridor blocks, naming the policy, and stores nothing', async () => {
      const err = await call(admin, 'grid.createSite', {
        corridorId: grid.corridorId, key: 'mow-01', name: 'MOW-01', kind: 'colocation', country: 'ru', latitude: 55.7, longitude: 37.6, ownerName: 'x',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION', message: 'EU’s residency policy blocks sites in RU.', fields: { country: expect.any(String) } });
      const n = await asOwner(db, null, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.sites WHERE key = 'mow-01'`)).rows[0].n);
      expect(n).toBe(0);
    });

    it('refuses a site outside the allowed countries', async () => {
      const err = await call(admin, 'grid.createSite', {
        corridorId: grid.corridorId, key: 'lon-01', name: 'LON-01', kind: 'colocation', country: 'GB', latitude: 51.5, longitude: -0.1, ownerName: 'x',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/allows sites only in DE, FR, NL; GB is not one of them/) });
    });

    it('the database refuses it too, whoever writes', async () => {
      const err = await asOwner(db, org.orgId, (c) =>
        c.query(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'x', 'X', 'campus', 'RU', 1, 1, 'x')`, [org.orgId, grid.corridorId]),
      ).catch((e: { code?: string; message?: string }) => e);
      expect(err).toMatchObject({ code: 'UEVAL', message: 'EU’s residency policy blocks sites in RU.' });
    });

    it('accepts an allowed site and audits it', async () => {
      const r = (await call(admin, 'grid.createSite', {
        corridorId: grid.corridorId, key: 'ams-01', name: 'AMS-01', kind: 'telecom_edge', country: 'NL', city: 'Amsterdam', latitude: 52.37, longitude: 4.9, ownerName: 'KPN',
      })) as Response<'grid.createSite'>;
      expect(r.site).toMatchObject({ key: 'ams-01', country: 'NL', safetyChecklist: 'not_started', nodeCount: 0 });
      expect((await auditActions())[0]).toMatchObject({ action: 'grid.site_created', data: { key: 'ams-01', country: 'NL', corridor: 'eu' } });
    });

    it('refuses a policy change that existing sites would break, naming them', async () => {
      const err = await call(admin, 'grid.updatePolicy', {
        corridorId: grid.corridorId, policy: { allowedCountries: ['FR'], blockedCountries: [], regulatedWorkloads: [], auditRequirement: null }, reason: 'France only',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/would exclude existing sites of EU: AMS-01 \(NL\), FRA-01 \(DE\)/) });
    });

    it('creates a customer-defined corridor with its policy, and audits it', async () => {
      const r = (await call(admin, 'grid.createCorridor', {
        key: 'gulf-sov', name: 'Gulf sovereign', region: 'mena', policy: { allowedCountries: ['ae', 'SA'], regulatedWorkloads: ['health'], auditRequirement: 'Quarterly' },
      })) as Response<'grid.createCorridor'>;
      expect(r.corridor).toMatchObject({
        key: 'gulf-sov',
        region: 'mena',
        policy: { allowedCountries: ['AE', 'SA'], blockedCountries: [], regulatedWorkloads: ['health'], auditRequirement: 'Quarterly' },
        siteCount: 0,
      });
      const overview = (await call(admin, 'grid.overview', {})) as Response<'grid.overview'>;
      expect(overview.corridors.find((c) => c.id === r.corridor.id)).toEqual(r.corridor);
      expect((await auditActions())[0]).toMatchObject({ action: 'grid.corridor_created', data: { key: 'gulf-sov', region: 'mena' } });
    });

    it('refuses a country that is both allowed and blocked, and stores nothing', async () => {
      const err = await refusedUnchanged(admin, 'grid.createCorridor', {
        key: 'x', name: 'X', region: 'custom', policy: { allowedCountries: ['DE'], blockedCountries: ['de'], regulatedWorkloads: [], auditRequirement: null },
      });
      expect(err).toMatchObject({ code: 'VALIDATION', fields: { 'policy.blockedCountries': 'A country cannot be both allowed and blocked.' } });
    });

    it('refuses a taken or malformed corridor key, a bad region or country, naming the field, and stores nothing', async () => {
      const taken = await refusedUnchanged(admin, 'grid.createCorridor', { key: 'eu', name: 'EU again', region: 'eu', policy: {} });
      expect(taken).toMatchObject({ code: 'CONFLICT', fields: { key: 'A corridor with the key “eu” already exists.' } });
      const malformed = await refusedUnchanged(admin, 'grid.createCorridor', { key: 'EU West!', name: '', region: 'atlantis', policy: { allowedCountries: ['Germany'] } });
      expect(malformed).toMatchObject({
        code: 'VALIDATION',
        fields: { key: expect.stringMatching(/Lower-case letters/), name: 'Name the corridor.', region: expect.any(String), 'policy.allowedCountries.0': expect.stringMatching(/ISO 3166-1/) },
      });
      const stray = await refusedUnchanged(admin, 'grid.createCorridor', { key: 'ok', name: 'OK', region: 'custom', policy: {}, owner: 'me' });
      expect(stray).toMatchObject({ code: 'VALIDATION', fields: { owner: 'Unknown field.' } });
    });

    it('lets only admins create corridors', async () => {
      const operator = await coreOn(db, org.operator.email);
      try {
        const err = await refusedUnchanged(operator, 'grid.createCorridor', { key: 'ops', name: 'Ops', region: 'custom', policy: {} });
        expect(err).toMatchObject({ code: 'FORBIDDEN' });
      } finally {
        await operator.cleanup();
      }
    });
  });

  describe('site safety and node groups', () => {
    it('records a site’s safety checklist state, and audits the change', async () => {
      const r = (await call(admin, 'grid.setSiteSafety', { siteId: grid.siteId, state: 'in_progress', reason: 'walk-through booked' })) as Response<'grid.setSiteSafety'>;
      expect(r.site).toMatchObject({ id: grid.siteId, key: 'fra-01', safetyChecklist: 'in_progress' });
      const overview = (await call(admin, 'grid.overview', {})) as Response<'grid.overview'>;
      expect(overview.sites.find((s) => s.id === grid.siteId)?.safetyChecklist).toBe('in_progress');
      expect((await auditActions())[0]).toEqual({ action: 'grid.site_safety_set', data: { key: 'fra-01', from: 'not_started', to: 'in_progress' }, reason: 'walk-through booked' });
    });

    it('refuses an unknown site, an unknown state, a malformed request and an auditor, and changes nothing', async () => {
      const unknown = await refusedUnchanged(admin, 'grid.setSiteSafety', { siteId: randomUUID(), state: 'passed' });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That site does not exist in this org.' });
      const state = await refusedUnchanged(admin, 'grid.setSiteSafety', { siteId: grid.siteId, state: 'done' });
      expect(state).toMatchObject({ code: 'VALIDATION', fields: { state: expect.any(String) } });
      const malformed = await refusedUnchanged(admin, 'grid.setSiteSafety', { siteId: 'fra-01', state: 'passed', safety: 'passed' });
      expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { siteId: expect.any(String), safety: 'Unknown field.' } });
      const missing = await refusedUnchanged(admin, 'grid.setSiteSafety', { siteId: grid.siteId });
      expect(missing).toMatchObject({ code: 'VALIDATION', fields: { state: expect.any(String) } });
      expect(await refusedUnchanged(auditor, 'grid.setSiteSafety', { siteId: grid.siteId, state: 'passed' })).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('marks a site passed only after a completed, passed site safety checklist', async () => {
      const byHand = await refusedUnchanged(admin, 'grid.setSiteSafety', { siteId: grid.siteId, state: 'passed' });
      expect(byHand).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/completing one/), fields: { state: 'No safety checklist has been run for this site.' } });
      const run = (outcome: string | null) =>
        asOwner(db, org.orgId, (c) =>
          c.query(
            `INSERT INTO mc.checklist_runs (org_id, template_key, kind, title, subject_type, subject_id, completed_at, outcome)
             VALUES ($1, 'site_safety', 'checklist', 'Site safety: FRA-01', 'site', $2, CASE WHEN $3::text IS NULL THEN NULL ELSE now() END, $3)`,
            [org.orgId, grid.siteId, outcome],
          ),
        );
      await run(null);
      const open = await refusedUnchanged(admin, 'grid.setSiteSafety', { siteId: grid.siteId, state: 'passed' });
      expect(open.fields).toEqual({ state: 'Its latest safety checklist has not passed yet.' });
      await run('passed');
      const r = (await call(admin, 'grid.setSiteSafety', { siteId: grid.siteId, state: 'passed' })) as Response<'grid.setSiteSafety'>;
      expect(r.site.safetyChecklist).toBe('passed');
    });

    it('adds a node group to a site, and audits it', async () => {
      const r = (await call(admin, 'grid.createNodeGroup', { siteId: grid.siteId, key: 'pool-b', name: 'Pool B' })) as Response<'grid.createNodeGroup'>;
      expect(r.nodeGroup).toMatchObject({ siteId: grid.siteId, key: 'pool-b', name: 'Pool B' });
      const overview = (await call(admin, 'grid.overview', {})) as Response<'grid.overview'>;
      expect(overview.nodeGroups.find((g) => g.id === r.nodeGroup.id)).toEqual(r.nodeGroup);
      expect((await auditActions())[0]).toMatchObject({ action: 'grid.node_group_created', data: { site: 'fra-01', key: 'pool-b', name: 'Pool B' } });
    });

    it('refuses a taken group key, an unknown site, a malformed group and an auditor, and stores nothing', async () => {
      const taken = await refusedUnchanged(admin, 'grid.createNodeGroup', { siteId: grid.siteId, key: 'pool-a', name: 'Another pool A' });
      expect(taken).toMatchObject({ code: 'CONFLICT', fields: { key: 'FRA-01 already has a node group “pool-a”.' } });
      const unknown = await refusedUnchanged(admin, 'grid.createNodeGroup', { siteId: randomUUID(), key: 'pool-z', name: 'Pool Z' });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That site does not exist in this org.' });
      const malformed = await refusedUnchanged(admin, 'grid.createNodeGroup', { siteId: grid.siteId, key: 'Pool C', name: '  ' });
      expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { key: expect.stringMatching(/Lower-case letters/), name: expect.any(String) } });
      expect(await refusedUnchanged(auditor, 'grid.createNodeGroup', { siteId: grid.siteId, key: 'pool-c', name: 'Pool C' })).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('nodes', () => {
    let nodeId: string;

    it('registers a node and audits it', async () => {
      const r = (await call(admin, 'nodes.register', {
        siteId: grid.siteId, nodeGroupId: grid.groupId, hostname: 'FRA-01-GPU07', runtimeGroup: 'tgi', gpuModel: 'L40S 48GB', gpuCount: 4, gpuMemoryGb: 192, capacityTokensPerS: 4400,
      })) as Response<'nodes.register'>;
      nodeId = r.node.id;
      expect(r.node).toMatchObject({ hostname: 'fra-01-gpu07', lifecycle: 'registered', health: 'unknown', validKeys: 0, corridorId: grid.corridorId });
    });

    it('refuses a duplicate host name by field, and stores nothing', async () => {
      const err = await refusedUnchanged(admin, 'nodes.register', {
        siteId: grid.siteId, nodeGroupId: grid.groupId, hostname: 'FRA-01-GPU07', runtimeGroup: 'tgi', gpuModel: 'L4', gpuCount: 1, gpuMemoryGb: 24, capacityTokensPerS: 1,
      });
      expect(err).toMatchObject({ code: 'CONFLICT', fields: { hostname: 'A node named fra-01-gpu07 already exists.' } });
    });

    it('refuses a group of another site, an unknown group and malformed figures, naming the field, and stores nothing', async () => {
      const ams = ((await call(admin, 'grid.overview', {})) as Response<'grid.overview'>).sites.find((s) => s.key === 'ams-01')!;
      const node = { siteId: grid.siteId, nodeGroupId: grid.groupId, hostname: 'fra-01-gpu08', runtimeGroup: 'vllm', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGb: 640, capacityTokensPerS: 20000 };
      const otherSite = await refusedUnchanged(admin, 'nodes.register', { ...node, siteId: ams.id });
      expect(otherSite).toMatchObject({ code: 'VALIDATION', fields: { nodeGroupId: 'Choose a node group of the chosen site.' } });
      const unknown = await refusedUnchanged(admin, 'nodes.register', { ...node, nodeGroupId: randomUUID() });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That node group does not exist in this org.' });
      const malformed = await refusedUnchanged(admin, 'nodes.register', { ...node, hostname: 'fra 01/gpu08', runtimeGroup: 'cuda', gpuModel: '', gpuCount: -1, gpuMemoryGb: 1.5 });
      expect(malformed).toMatchObject({
        code: 'VALIDATION',
        fields: {
          hostname: 'A host name: letters, digits, dots and dashes.',
          runtimeGroup: expect.any(String),
          gpuModel: 'Which GPU (e.g. H100 80GB)?',
          gpuCount: expect.any(String),
          gpuMemoryGb: expect.any(String),
        },
      });
      expect(await refusedUnchanged(auditor, 'nodes.register', node)).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('moves through the lifecycle, each step audited with its reason', async () => {
      for (const [to, reason] of [['active', 'burn-in passed'], ['draining', 'firmware update'], ['offline', 'powered down'], ['retired', 'end of lease']] as const) {
        const r = (await call(admin, 'nodes.transition', { nodeId, to, reason })) as Response<'nodes.transition'>;
        expect(r.node.lifecycle).toBe(to);
      }
      const events = (await auditActions()).filter((e) => e.action === 'nodes.lifecycle_changed');
      expect(events.slice(0, 4).map((e) => [e.data.from, e.data.to, e.reason])).toEqual([
        ['offline', 'retired', 'end of lease'],
        ['draining', 'offline', 'powered down'],
        ['active', 'draining', 'firmware update'],
        ['registered', 'active', 'burn-in passed'],
      ]);
    });

    it('refuses a move the lifecycle does not allow, says what is allowed, and changes nothing', async () => {
      const err = await refusedUnchanged(admin, 'nodes.transition', { nodeId, to: 'active', reason: 'bring it back' });
      expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is retired; it can go to nothing further/), fields: { to: 'Not allowed from retired.' } });
      const err2 = await refusedUnchanged(admin, 'nodes.transition', { nodeId: grid.nodeId, to: 'retired', reason: 'skip steps' });
      expect(err2).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is active; it can go to draining or offline, not retired/), fields: { to: 'Not allowed from active.' } });
    });

    it('refuses an unknown node, an unknown state and a missing reason, and changes nothing', async () => {
      const unknown = await refusedUnchanged(admin, 'nodes.transition', { nodeId: randomUUID(), to: 'draining', reason: 'maintenance' });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That node does not exist in this org.' });
      const malformed = await refusedUnchanged(admin, 'nodes.transition', { nodeId: grid.nodeId, to: 'deleted', reason: ' x ' });
      expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { to: expect.any(String), reason: 'Say why, in a few words (at least 3 characters).' } });
      const noReason = await refusedUnchanged(admin, 'nodes.transition', { nodeId: grid.nodeId, to: 'draining' });
      expect(noReason).toMatchObject({ code: 'VALIDATION', fields: { reason: expect.any(String) } });
    });

    it('lets an auditor read nodes but change nothing', async () => {
      expect(((await call(auditor, 'nodes.list', {})) as Response<'nodes.list'>).nodes.length).toBeGreaterThan(0);
      const err = await refusedUnchanged(auditor, 'nodes.transition', { nodeId: grid.nodeId, to: 'draining', reason: 'auditor tries' });
      expect(err).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('a site’s drain state, as the network map shows it', () => {
    /** The map's figure for one site, computed as the view computes it: from grid.overview and the node records of nodes.list. */
    const figureOf = async (siteId: string) => {
      const overview = (await call(admin, 'grid.overview', {})) as Response<'grid.overview'>;
      const { nodes } = (await call(admin, 'nodes.list', {})) as Response<'nodes.list'>;
      return siteFigures(overview.sites, nodes).find((f) => f.id === siteId)!;
    };

    it('is computed from the node records: none drained, some of them, all of them', async () => {
      const { site } = (await call(admin, 'grid.createSite', {
        corridorId: grid.corridorId, key: 'drn-01', name: 'DRN-01 Drain test', kind: 'colocation', country: 'DE', latitude: 52.5, longitude: 13.4, ownerName: 'Test owner',
      })) as Response<'grid.createSite'>;
      const { nodeGroup } = (await call(admin, 'grid.createNodeGroup', { siteId: site.id, key: 'pool', name: 'Pool' })) as Response<'grid.createNodeGroup'>;
      const ids: string[] = [];
      for (const hostname of ['drn-01-gpu01', 'drn-01-gpu02']) {
        const r = (await call(admin, 'nodes.register', {
          siteId: site.id, nodeGroupId: nodeGroup.id, hostname, runtimeGroup: 'vllm', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGb: 640, capacityTokensPerS: 1000,
        })) as Response<'nodes.register'>;
        ids.push(r.node.id);
        await call(admin, 'nodes.transition', { nodeId: r.node.id, to: 'active', reason: 'burn-in passed' });
      }
      expect(await figureOf(site.id)).toMatchObject({ nodes: 2, running: 2, draining: 0, drain: 'none' });

      await call(admin, 'nodes.transition', { nodeId: ids[0], to: 'draining', reason: 'firmware update' });
      const some = await figureOf(site.id);
      expect(some).toMatchObject({ nodes: 2, draining: 1, drain: 'some' });
      expect(drainLabel(some.draining, some.running, some.nodes)).toBe('1 of 2 nodes drained');

      await call(admin, 'nodes.transition', { nodeId: ids[1], to: 'draining', reason: 'firmware update' });
      const all = await figureOf(site.id);
      expect(all).toMatchObject({ nodes: 2, draining: 2, drain: 'all' });
      expect(drainLabel(all.draining, all.running, all.nodes)).toBe('Drained (all 2 nodes)');

      // A refused move changes no record, so the state shown does not change either.
      await refusedUnchanged(admin, 'nodes.transition', { nodeId: ids[0], to: 'retired', reason: 'skip steps' });
      expect((await figureOf(site.id)).drain).toBe('all');

      // One node back in service: the site is partly drained again.
      await call(admin, 'nodes.transition', { nodeId: ids[0], to: 'active', reason: 'firmware done' });
      expect(await figureOf(site.id)).toMatchObject({ draining: 1, drain: 'some' });
    });
  });

  describe('node keys', () => {
    let issued: Response<'keys.issue'>;

    it('shows a new key once, stores only its hash, and never puts it in the audit log or any file', async () => {
      issued = (await call(admin, 'keys.issue', { nodeId: grid.nodeId, label: 'agent v2' })) as Response<'keys.issue'>;
      expect(issued.secret).toMatch(/^ume_node_[0-9A-Za-z]{38}$/);
      expect(issued.key).toMatchObject({ status: 'active', prefix: issued.secret.slice(0, 15), label: 'agent v2' });
      const stored = await asOwner(db, null, async (c) => (await c.query(`SELECT * FROM mc.node_keys WHERE id = $1`, [issued.key.id])).rows[0]);
      expect(JSON.stringify(stored)).not.toContain(issued.secret.slice(15));
      const audit = await auditActions();
      expect(audit[0]).toMatchObject({ action: 'keys.issued', data: { prefix: issued.key.prefix } });
      expect(JSON.stringify(audit)).not.toContain(issued.secret);
      expect(filesText(admin.dataDir)).not.toContain(issued.secret);
      const again = (await call(admin, 'nodes.get', { nodeId: grid.nodeId })) as Response<'nodes.get'>;
      expect(JSON.stringify(again)).not.toContain(issued.secret);
    });

    it('works for ingest, and the page shows its last use', async () => {
      const out = await sendBatch(ingest, { key: issued.secret, batchId: randomUUID(), samples: samplesNow(2), agent: 'fra-01-gpu01 agent' });
      expect(out.status).toBe('accepted');
      const list = (await call(admin, 'keys.list', {})) as Response<'keys.list'>;
      expect(list.keys.find((k) => k.id === issued.key.id)).toMatchObject({ useCount: 1, lastUsedSource: expect.stringMatching(/fra-01-gpu01 agent/) });
    });

    it('rotates: the new key works, the old one keeps working until its grace ends', async () => {
      const r = (await call(admin, 'keys.rotate', { keyId: issued.key.id, graceHours: 2 })) as Response<'keys.rotate'>;
      expect(r.previous.status).toBe('grace');
      expect(r.key.status).toBe('active');
      expect(new Date(r.previous.graceUntil!).getTime() - Date.now()).toBeGreaterThan(7_100_000);
      for (const secret of [issued.secret, r.secret]) {
        expect((await sendBatch(ingest, { key: secret, batchId: randomUUID(), samples: samplesNow(1) })).status).toBe('accepted');
      }
      // The key in its grace period cannot be rotated again; nothing is issued or moved.
      const err = await refusedUnchanged(admin, 'keys.rotate', { keyId: issued.key.id });
      expect(err).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/Only an active key can be rotated; ume_node_\w{6}… is grace/) });
      issued = { ...r, key: r.key };
    });

    it('refuses to rotate an unknown key or with a bad grace period, and changes nothing', async () => {
      const unknown = await refusedUnchanged(admin, 'keys.rotate', { keyId: randomUUID() });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That node key does not exist in this org.' });
      const malformed = await refusedUnchanged(admin, 'keys.rotate', { keyId: issued.key.id, graceHours: -1, expiresInDays: 0 });
      expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { graceHours: expect.any(String), expiresInDays: expect.any(String) } });
      const notAnId = await refusedUnchanged(admin, 'keys.rotate', { keyId: issued.key.prefix });
      expect(notAnId).toMatchObject({ code: 'VALIDATION', fields: { keyId: expect.any(String) } });
      expect(await refusedUnchanged(auditor, 'keys.rotate', { keyId: issued.key.id })).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('revokes at once, and flags the revoked key when it is still presented', async () => {
      const r = (await call(admin, 'keys.revoke', { keyId: issued.key.id, reason: 'laptop stolen' })) as Response<'keys.revoke'>;
      expect(r.key).toMatchObject({ status: 'revoked', revokeReason: 'laptop stolen', revokedBy: org.admin.name, revokedAt: expect.any(String) });
      expect(await sendBatch(ingest, { key: issued.secret, batchId: randomUUID(), samples: samplesNow(1) })).toMatchObject({ code: 'key_revoked' });
      const list = (await call(admin, 'keys.list', {})) as Response<'keys.list'>;
      expect(list.check).toMatchObject({ ok: false, refusedKeysStillPresented: 1 });
      expect(list.keys.find((k) => k.id === issued.key.id)).toMatchObject({ rejectedCalls: 1 });
      expect(list.rejections[0]).toMatchObject({ keyPrefix: issued.key.prefix, reason: 'key_revoked' });
      // Revoking again keeps the first revocation (time, reason) as it was.
      const again = await refusedUnchanged(admin, 'keys.revoke', { keyId: issued.key.id, reason: 'twice' });
      expect(again).toMatchObject({ code: 'CONFLICT', message: `${issued.key.prefix}… was already revoked.` });
    });

    it('refuses to revoke an unknown key or without a reason, and changes nothing', async () => {
      const live = (await call(admin, 'keys.issue', { nodeId: grid.nodeId, label: 'spare' })) as Response<'keys.issue'>;
      const unknown = await refusedUnchanged(admin, 'keys.revoke', { keyId: randomUUID(), reason: 'lost laptop' });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That node key does not exist in this org.' });
      const noReason = await refusedUnchanged(admin, 'keys.revoke', { keyId: live.key.id, reason: 'no' });
      expect(noReason).toMatchObject({ code: 'VALIDATION', fields: { reason: 'Say why the key is revoked.' } });
      expect(await refusedUnchanged(auditor, 'keys.revoke', { keyId: live.key.id, reason: 'auditor tries' })).toMatchObject({ code: 'FORBIDDEN' });
      const list = (await call(admin, 'keys.list', {})) as Response<'keys.list'>;
      expect(list.keys.find((k) => k.id === live.key.id)).toMatchObject({ status: 'active', revokedAt: null });
      await call(admin, 'keys.revoke', { keyId: live.key.id, reason: 'spare not needed' });
    });

    it('flags stale keys and nodes without any valid key', async () => {
      const other = await seedGrid(db, org, 'fra-01-gpu03');
      const k = (await call(admin, 'keys.issue', { nodeId: other.nodeId })) as Response<'keys.issue'>;
      await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.node_keys SET created_at = now() - interval '40 days' WHERE id = $1`, [k.key.id]));
      const list = (await call(admin, 'keys.list', { staleDays: 30 })) as Response<'keys.list'>;
      expect(list.keys.find((x) => x.id === k.key.id)?.stale).toBe(true);
      expect(list.check.staleKeys).toBeGreaterThanOrEqual(1);
      const lenient = (await call(admin, 'keys.list', { staleDays: 60 })) as Response<'keys.list'>;
      expect(lenient.keys.find((x) => x.id === k.key.id)?.stale).toBe(false);
      await call(admin, 'keys.revoke', { keyId: k.key.id, reason: 'decommissioning' });
      const after = (await call(admin, 'keys.list', {})) as Response<'keys.list'>;
      expect(after.nodesWithoutValidKey.map((n) => n.hostname)).toContain('fra-01-gpu03');
    });

    it('gives no key to a retired node, and stores nothing', async () => {
      const retired = (await call(admin, 'nodes.list', {})) as Response<'nodes.list'>;
      const node = retired.nodes.find((n) => n.lifecycle === 'retired')!;
      const err = await refusedUnchanged(admin, 'keys.issue', { nodeId: node.id });
      expect(err).toMatchObject({ code: 'CONFLICT', message: `${node.hostname} is retired; retired nodes get no keys.` });
    });

    it('refuses a key for an unknown node or with a bad expiry or label, naming the field, and stores nothing', async () => {
      const unknown = await refusedUnchanged(admin, 'keys.issue', { nodeId: randomUUID() });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That node does not exist in this org.' });
      const malformed = await refusedUnchanged(admin, 'keys.issue', { nodeId: grid.nodeId, label: 'x'.repeat(81), expiresInDays: 0 });
      expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { label: expect.any(String), expiresInDays: expect.any(String) } });
      const notAnId = await refusedUnchanged(admin, 'keys.issue', { nodeId: 'fra-01-gpu01' });
      expect(notAnId).toMatchObject({ code: 'VALIDATION', fields: { nodeId: expect.any(String) } });
      expect(await refusedUnchanged(auditor, 'keys.issue', { nodeId: grid.nodeId })).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('telemetry validation record', () => {
    it('sends a valid and an invalid key through the real ingest path and keeps both outcomes as evidence', async () => {
      const before = await asOwner(db, null, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.telemetry WHERE node_id = $1 AND metric = 100`, [grid.nodeId])).rows[0].n);
      const r = (await call(admin, 'telemetry.validate', { nodeId: grid.nodeId })) as Response<'telemetry.validate'>;
      expect(r.evidence).toMatchObject({
        kind: 'telemetry_validation',
        outcome: 'passed',
        subjectId: grid.nodeId,
        data: { validKey: { status: 'accepted', accepted: 1 }, invalidKey: { status: 'rejected', code: 'key_invalid' } },
      });
      const audit = (await call(admin, 'audit.list', { limit: 1 })) as Response<'audit.list'>;
      expect(audit.events[0]).toMatchObject({ action: 'telemetry.validation_recorded', seq: r.evidence.auditSeq });
      // The probe sample landed; the temporary key is revoked.
      const after = await asOwner(db, null, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.telemetry WHERE node_id = $1 AND metric = 100`, [grid.nodeId])).rows[0].n);
      expect(after).toBe(before + 1);
      const temp = await asOwner(db, null, async (c) => (await c.query(`SELECT revoked_at FROM mc.node_keys WHERE prefix = $1`, [(r.evidence.data as { validKey: { prefix: string } }).validKey.prefix])).rows[0]);
      expect(temp.revoked_at).not.toBeNull();
      const listed = (await call(admin, 'evidence.list', { kind: 'telemetry_validation' })) as Response<'evidence.list'>;
      expect(listed.records[0]?.id).toBe(r.evidence.id);
    });

    it('refuses a retired node, an unknown node and an auditor, leaving no key, sample or evidence behind', async () => {
      const nodes = (await call(admin, 'nodes.list', {})) as Response<'nodes.list'>;
      const retired = nodes.nodes.find((n) => n.lifecycle === 'retired')!;
      const evidenceBefore = ((await call(admin, 'evidence.list', { kind: 'telemetry_validation' })) as Response<'evidence.list'>).records;
      expect(await refusedUnchanged(admin, 'telemetry.validate', { nodeId: retired.id })).toMatchObject({
        code: 'CONFLICT',
        message: `${retired.hostname} is retired: its telemetry is refused by design, so there is nothing to validate.`,
      });
      expect(await refusedUnchanged(admin, 'telemetry.validate', { nodeId: randomUUID() })).toMatchObject({ code: 'NOT_FOUND', message: 'That node does not exist in this org.' });
      expect(await refusedUnchanged(admin, 'telemetry.validate', { nodeId: 'fra-01-gpu01' })).toMatchObject({ code: 'VALIDATION', fields: { nodeId: expect.any(String) } });
      expect(await refusedUnchanged(auditor, 'telemetry.validate', { nodeId: grid.nodeId })).toMatchObject({ code: 'FORBIDDEN' });
      // Said plainly as well: the retired node got no temporary key, and there is no new evidence record.
      const keys = await asOwner(db, null, async (c) => (await c.query(`SELECT count(*)::int AS n FROM mc.node_keys WHERE node_id = $1`, [retired.id])).rows[0].n);
      expect(keys).toBe(0);
      expect(((await call(admin, 'evidence.list', { kind: 'telemetry_validation' })) as Response<'evidence.list'>).records).toEqual(evidenceBefore);
    });
  });

  it('charts a node from its rollups, with gaps as gaps', async () => {
    // Both samples inside one minute, whatever the clock's seconds are now.
    const minuteStart = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
    await sendBatch(ingest, {
      key: ((await call(admin, 'keys.issue', { nodeId: grid.nodeId })) as Response<'keys.issue'>).secret,
      batchId: randomUUID(),
      samples: [{ ts: new Date(minuteStart + 10_000), metric: 'gpu_temp_c', value: 71 }, { ts: new Date(minuteStart + 15_000), metric: 'gpu_temp_c', value: 73 }],
    });
    const r = (await call(admin, 'nodes.telemetry', { nodeId: grid.nodeId, window: '1h' })) as Response<'nodes.telemetry'>;
    expect(r.stepSeconds).toBe(60);
    const temp = r.series.find((s) => s.metric === 'gpu_temp_c')!;
    expect(temp.t).toHaveLength(60);
    const filled = temp.avg.map((v, i) => [v, temp.min[i], temp.max[i]]).filter(([v]) => v !== null);
    expect(filled).toContainEqual([72, 71, 73]);
    expect(temp.avg.filter((v) => v === null).length).toBeGreaterThan(50);
    expect(r.series.some((s) => s.metric === 'probe')).toBe(false);
    const day = (await call(admin, 'nodes.telemetry', { nodeId: grid.nodeId, window: '24h' })) as Response<'nodes.telemetry'>;
    expect(day.stepSeconds).toBe(300);
    expect(day.series[0]!.t).toHaveLength(288);
  });
});

describe.skipIf(!ok)('grid rules under concurrency and at the edges', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'edges');
    grid = await seedGrid(db, org);
  });
  afterAll(async () => db?.drop());

  it('never lets a site and a policy that excludes it both commit', async () => {
    const a = await db.owner();
    const b = await db.owner();
    const watch = await db.owner();
    try {
      const bPid = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      for (const c of [a, b]) {
        await c.query('BEGIN');
        await c.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [org.orgId]);
      }
      await a.query(`UPDATE mc.corridors SET allowed_countries = '{DE,FR,NL,BE}' WHERE id = $1`, [grid.corridorId]);
      await a.query('COMMIT');
      await a.query('BEGIN');
      await a.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [org.orgId]);
      await a.query(
        `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'bru-01', 'BRU-01', 'campus', 'BE', 50.8, 4.4, 'o')`,
        [org.orgId, grid.corridorId],
      );
      // B tries to drop BE while A's site is not committed yet: it must wait, then see it.
      const policy = b.query(`UPDATE mc.corridors SET allowed_countries = '{DE,FR,NL}' WHERE id = $1`, [grid.corridorId]).then(
        () => 'committed',
        (e: { message?: string }) => e.message ?? 'refused',
      );
      // Proceed only once B is really blocked on A's lock (the site's FOR SHARE on the corridor),
      // so the commit below lands while B waits. Polled from a third session outside any
      // transaction: pg_stat_activity is cached for the length of a transaction.
      await expect
        .poll(async () => (await watch.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [bPid])).rows[0]?.w ?? null, {
          timeout: 10_000,
          interval: 20,
        })
        .toBe('Lock');
      await a.query('COMMIT');
      expect(await policy).toMatch(/would exclude existing sites of EU: BRU-01 \(BE\)/);
      await b.query('ROLLBACK');
    } finally {
      await a.end();
      await b.end();
      await watch.end();
    }
  });

  it('refuses a node registered as retired', async () => {
    const err = await asOwner(db, org.orgId, (c) =>
      c.query(
        `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
         VALUES ($1, $2, $3, 'zombie', 'vllm', 'H100', 1, 80, 1, 'retired')`,
        [org.orgId, grid.siteId, grid.groupId],
      ),
    ).catch((e: { message?: string }) => e);
    expect((err as { message?: string }).message).toBe('A node cannot be registered as retired.');
  });

  it('keeps the daily key check honest however many other refusals pile up', async () => {
    const core = await coreOn(db, org.admin.email);
    const ingest = await ingestPool(db);
    try {
      const revoked = (await call(core, 'keys.issue', { nodeId: grid.nodeId })) as Response<'keys.issue'>;
      await call(core, 'keys.revoke', { keyId: revoked.key.id, reason: 'compromised' });
      expect((await sendBatch(ingest, { key: revoked.secret, batchId: randomUUID(), samples: samplesNow(1) })).code).toBe('key_revoked');
      // 600 newer refusal records of another kind: bad samples from six valid keys, 100 sources
      // each (the most one key and reason keeps apart), so the page of 500 holds none of the
      // revoked key's.
      for (let i = 0; i < 6; i++) {
        const good = (await call(core, 'keys.issue', { nodeId: grid.nodeId })) as Response<'keys.issue'>;
        await Promise.all(
          Array.from({ length: 100 }, (_, j) =>
            sendBatch(ingest, { key: good.secret, batchId: randomUUID(), samples: [{ ts: new Date(), metric: 'gpu_util_pct', value: 500 }], agent: `src-${i}-${j}` }),
          ),
        );
      }
      const list = (await call(core, 'keys.list', {})) as Response<'keys.list'>;
      expect(list.rejections.length).toBe(500);
      expect(list.rejections.some((r) => r.reason === 'key_revoked')).toBe(false);
      expect(list.check).toMatchObject({ ok: false, refusedKeysStillPresented: 1 });
    } finally {
      await ingest.end();
      await core.cleanup();
    }
  });

  it('does not take a validation record as a sign of life', async () => {
    const core = await coreOn(db, org.admin.email);
    try {
      const before = ((await call(core, 'nodes.get', { nodeId: grid.nodeId })) as Response<'nodes.get'>).node.seenAt;
      await call(core, 'telemetry.validate', { nodeId: grid.nodeId });
      const after = ((await call(core, 'nodes.get', { nodeId: grid.nodeId })) as Response<'nodes.get'>).node.seenAt;
      expect(after).toBe(before);
    } finally {
      await core.cleanup();
    }
  });
});
