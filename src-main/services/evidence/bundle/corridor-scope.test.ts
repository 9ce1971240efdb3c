/**
 * A corridor's evidence bundle, on a real database with two corridors: it holds that corridor's
 * policy, sites, nodes, keys (never their hashes), customers and incidents, none of the other
 * corridor's, and the audit events about them with their proofs; it verifies offline. An unknown
 * corridor is refused with nothing written; the CLI takes the corridor's key.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../../src-shared/contract';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../../testing/db';
import { seedGrid, seedKey } from '../../../testing/grid';
import { call, coreOn, DIRECT } from '../../../testing/harness';
import { TEST_SERVICE } from '../../../testing/keychain';
import { needKeychain } from '../../../testing/keychain-gate';
import { CheckpointStore, checkpointKeyAccount } from '../../audit/anchor';
import { verifyBundle } from './verify';

const ok = await needKeychain();
const ROOT = join(__dirname, '..', '..', '..', '..');

describe.skipIf(!ok)('a corridor’s evidence bundle', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let core: Awaited<ReturnType<typeof coreOn>>;
  let eu: { corridorId: string; nodeId: string };
  let naCorridor: string;
  let naNode: string;
  let euIncident: string;
  let naIncident: string;
  const dir = mkdtempSync(join(tmpdir(), 'mc-corridor-bundle-'));
  const lines = (root: string, file: string) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const unzip = (file: string) => {
    const to = mkdtempSync(join(dir, 'x-'));
    execFileSync('unzip', ['-q', file, '-d', to]);
    return to;
  };

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'corridor-bundle');
    eu = await seedGrid(db, org);
    await seedKey(db, org, eu.nodeId);
    ({ naCorridor, naNode } = await asOwner(db, org.orgId, async (c) => {
      const corridor = (
        await c.query<{ id: string }>(`INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries) VALUES ($1, 'north-america', 'North America', 'north_america', '{US,CA}') RETURNING id`, [org.orgId])
      ).rows[0]!.id;
      const site = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'iad-01', 'IAD-01', 'colocation', 'US', 39, -77.5, 'Equinix') RETURNING id`,
          [org.orgId, corridor],
        )
      ).rows[0]!.id;
      const group = (await c.query<{ id: string }>(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'pool-a', 'Pool A') RETURNING id`, [org.orgId, site])).rows[0]!.id;
      const node = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
           VALUES ($1, $2, $3, 'iad-01-gpu01', 'vllm', 'H100 80GB', 8, 640, 20000, 'active') RETURNING id`,
          [org.orgId, site, group],
        )
      ).rows[0]!.id;
      return { naCorridor: corridor, naNode: node };
    }));
    await seedKey(db, org, naNode);
    core = await coreOn(db, org.admin.email);
    // An incident in each corridor, through the contract (so its audit events exist).
    const open = async (nodeId: string, title: string) =>
      (await call<Response<'incidents.create'>>(core, 'incidents.create', { title, severity: 'high', affected: [{ kind: 'node', id: nodeId }] })).incident.id;
    euIncident = await open(eu.nodeId, 'EU node overheating');
    naIncident = await open(naNode, 'IAD node unreachable');
  }, 120_000);

  afterAll(async () => {
    if (core) await core.vault.delete(checkpointKeyAccount(new CheckpointStore(core.dataDir).dir, org.orgId)).catch(() => false);
    await core?.cleanup();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a whole-org bundle holds every corridor and site its nodes stand in, and verifies offline', async () => {
    const now = Date.now();
    const scope = { kind: 'period' as const, from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString() };
    const r = await call<Response<'bundles.export'>>(core, 'bundles.export', { exportId: randomUUID(), scope });
    const x = unzip(r.path);
    // Before, corridors.jsonl and sites.jsonl were empty here (a corridor's bundle only), while
    // nodes.jsonl held every node with a site_id the bundle could not resolve.
    expect(lines(x, 'records/corridors.jsonl').map((c) => c.id).sort()).toEqual([eu.corridorId, naCorridor].sort());
    const sites = new Set(lines(x, 'records/sites.jsonl').map((s) => s.id));
    const nodes = lines(x, 'records/nodes.jsonl');
    expect(nodes.map((n) => n.id).sort()).toEqual([eu.nodeId, naNode].sort());
    for (const n of nodes) expect(sites.has(n.site_id)).toBe(true);
    expect((await verifyBundle(r.path)).ok).toBe(true);
  });

  it('holds the corridor’s own records and audit events, none of the other corridor’s, and verifies offline', async () => {
    const r = await call<Response<'bundles.export'>>(core, 'bundles.export', { exportId: randomUUID(), scope: { kind: 'corridor', corridorId: eu.corridorId } });
    expect(r.fileName).toContain(`corridor-${eu.corridorId.slice(0, 8)}`);
    const x = unzip(r.path);
    expect(lines(x, 'records/corridors.jsonl').map((c) => c.id)).toEqual([eu.corridorId]);
    expect(lines(x, 'records/sites.jsonl').map((s) => s.corridor_id)).toEqual([eu.corridorId]);
    expect(lines(x, 'records/nodes.jsonl').map((n) => n.id)).toEqual([eu.nodeId]);
    const keys = lines(x, 'records/node-keys.jsonl');
    expect(keys.map((k) => k.node_id)).toEqual([eu.nodeId]);
    expect(keys.every((k) => !('key_hash' in k))).toBe(true);
    expect(lines(x, 'records/incidents.jsonl').map((i) => i.id)).toEqual([euIncident]);
    const events = lines(x, 'records/audit-events.jsonl').map((l) => l.event as { target?: { id?: string } } | undefined);
    const about = JSON.stringify(events);
    expect(about).toContain(euIncident);
    expect(about).not.toContain(naIncident);
    expect(about).not.toContain(naCorridor);
    const v = await verifyBundle(r.path);
    expect(v.checks.filter((c) => !c.ok)).toEqual([]);
    expect(v.ok).toBe(true);
    expect(readFileSync(join(x, 'README.txt'), 'utf8')).toContain(`corridor ${eu.corridorId}`);
  });

  it('refuses a corridor this org does not have, a malformed id, and writes nothing', async () => {
    const before = readdirSync(join(core.dataDir, 'evidence'));
    const missing = randomUUID();
    const unknown = await core.router.invoke('bundles.export', { exportId: randomUUID(), scope: { kind: 'corridor', corridorId: missing } }, DIRECT);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining(`This org has no corridor ${missing}`) } });
    const bad = await core.router.invoke('bundles.export', { exportId: randomUUID(), scope: { kind: 'corridor', corridorId: 'eu' } }, DIRECT);
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { 'scope.corridorId': expect.stringContaining('Pick a corridor') } } });
    expect(readdirSync(join(core.dataDir, 'evidence'))).toEqual(before);
  });

  it('npm run evidence -- export --corridor takes the corridor’s key; an unknown key or a bad one says what to give', () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'src-main/services/evidence/bundle/cli.ts'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE },
      });
    const out = join(dir, 'na.zip');
    const exported = cli(['export', '--corridor', 'north-america', '--out', out, '--data-dir', core.dataDir]);
    expect(exported.status).toBe(0);
    const x = unzip(out);
    expect(lines(x, 'records/nodes.jsonl').map((n) => n.id)).toEqual([naNode]);
    expect(lines(x, 'records/incidents.jsonl').map((i) => i.id)).toEqual([naIncident]);
    expect(cli(['verify', out]).status).toBe(0);
    const unknown = cli(['export', '--corridor', 'mena', '--out', join(dir, 'mena.zip'), '--data-dir', core.dataDir]);
    expect(unknown).toMatchObject({ status: 1, stderr: expect.stringContaining('no corridor with the key "mena"') });
    const bad = cli(['export', '--corridor', 'EU West!', '--out', join(dir, 'bad.zip')]);
    expect(bad).toMatchObject({ status: 2, stderr: expect.stringContaining('--corridor is a corridor id') });
    const two = cli(['export', '--corridor', 'eu', '--drill', randomUUID(), '--out', join(dir, 'two.zip')]);
    expect(two).toMatchObject({ status: 2, stderr: expect.stringContaining('give one of') });
    expect(readdirSync(dir).filter((n) => /^(mena|bad|two)\.zip$/.test(n))).toEqual([]);
  }, 60_000);
});
