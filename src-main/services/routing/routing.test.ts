/**
 * Runtimes, catalog, SLA and routing through the contract, on a real Postgres, with fake GPU
 * runtimes on loopback: what works, and what is refused with nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { startFakeOllama, startFakeVllm, type FakeRuntime } from '../../runtimes/fake';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { dueRuntimes, probeRuntimes, recordOutcomes, runtimeKeyAccount } from '../runtimes';
import { maintainRouting } from '.';
import { answer } from '../checklists';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

const TABLES = ['runtimes', 'runtime_models', 'model_catalog', 'sla_policies', 'customer_tiers', 'customers', 'node_reservations', 'routing_decisions', 'evidence_records'];

async function stored(db: TestDatabase, orgId: string) {
  return asOwner(db, null, async (c) => {
    const out: Record<string, unknown[]> = {};
    for (const t of TABLES) out[t] = (await c.query(`SELECT to_jsonb(x) AS row FROM mc.${t} x WHERE x.org_id = $1 ORDER BY to_jsonb(x)::text`, [orgId])).rows.map((r) => r.row);
    return out;
  });
}

describe.skipIf(!ok)('runtimes, catalog, SLA and routing through the contract', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let auditor: Core;
  let vllm: FakeRuntime;
  let ollama: FakeRuntime;
  let menaNode: string;
  let menaCorridor: string;

  async function refusedUnchanged(core: Core, channel: string, payload: unknown) {
    const before = await stored(db, org.orgId);
    const err = await refused(core, channel, payload);
    expect(await stored(db, org.orgId)).toEqual(before);
    return err;
  }

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'routing');
    grid = await seedGrid(db, org);
    await asOwner(db, org.orgId, async (c) => {
      await c.query(`UPDATE mc.corridors SET regulated_workloads = '{health}' WHERE id = $1`, [grid.corridorId]);
      menaCorridor = (await c.query(`INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries) VALUES ($1, 'mena', 'MENA', 'mena', '{AE}') RETURNING id`, [org.orgId])).rows[0].id;
      const site = (await c.query(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'dxb-01', 'DXB-01', 'colocation', 'AE', 25.2, 55.3, 'x') RETURNING id`, [org.orgId, menaCorridor])).rows[0].id;
      const group = (await c.query(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'a', 'A') RETURNING id`, [org.orgId, site])).rows[0].id;
      menaNode = (await c.query(`INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle) VALUES ($1, $2, $3, 'dxb-01-gpu01', 'ollama', 'L40S', 4, 192, 4000, 'active') RETURNING id`, [org.orgId, site, group])).rows[0].id;
    });
    vllm = await startFakeVllm({ models: [{ id: 'meta-llama/Llama-3.1-8B-Instruct', maxModelLen: 131072 }], kvCache: 0.3, latencyBuckets: [[0.1, 50], [0.2, 96], [0.5, 100]] }, { apiKey: 'sk-fake-vllm' });
    ollama = await startFakeOllama({ models: [{ name: 'llama3.1:70b', family: 'llama', parameterSize: '70.6B', quantization: 'Q4_K_M', contextLength: 131072, size: 100, loaded: true }] });
    admin = await coreOn(db, org.admin.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    await vllm?.close();
    await ollama?.close();
    await auditor?.cleanup();
    await admin?.cleanup();
    await db?.drop();
  });

  it('connects a runtime: detects its kind and version, lists its models, keeps the key in the keychain only', async () => {
    const r = await call<Response<'runtimes.connect'>>(admin, 'runtimes.connect', { nodeId: grid.nodeId, name: 'fra vLLM', baseUrl: `${vllm.url}/`, apiKey: 'sk-fake-vllm' });
    expect(r.runtime).toMatchObject({ kind: 'vllm', version: '0.8.5', health: 'healthy', circuit: 'closed', apiKeySet: true, baseUrl: vllm.url, hostname: 'fra-01-gpu01' });
    expect(r.runtime.models).toEqual([{ id: 'meta-llama/Llama-3.1-8B-Instruct', contextLength: 131072, quantization: null, loaded: true }]);
    expect(r.runtime.load.kvCacheUsage).toBeCloseTo(0.3);
    expect(await admin.vault.get(runtimeKeyAccount(org.orgId, r.runtime.id))).toBe('sk-fake-vllm');
    const text = JSON.stringify(await stored(db, org.orgId)) + JSON.stringify(await call(admin, 'audit.list', { limit: 50 }));
    expect(text).not.toContain('sk-fake-vllm');
    const m = await call<Response<'runtimes.connect'>>(admin, 'runtimes.connect', { nodeId: menaNode, name: 'dxb Ollama', baseUrl: ollama.url, kind: 'ollama', runtimeGroup: 'ollama' });
    expect(m.runtime.models[0]).toMatchObject({ id: 'llama3.1:70b', quantization: 'Q4_K_M', contextLength: 131072 });
  });

  it('refuses bad endpoints with a clear error and stores nothing', async () => {
    expect(await refusedUnchanged(admin, 'runtimes.connect', { nodeId: grid.nodeId, name: 'x', baseUrl: 'file:///etc/passwd' })).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('http or https') });
    expect(await refusedUnchanged(admin, 'runtimes.connect', { nodeId: grid.nodeId, name: 'x', baseUrl: ollama.url.replace('127.0.0.1', 'localhost'), kind: 'vllm' })).toMatchObject({
      code: 'UNAVAILABLE',
      message: 'The endpoint was declared vllm, but it answers as ollama.',
    });
    const dead = await startFakeVllm();
    await dead.close();
    expect(await refusedUnchanged(admin, 'runtimes.connect', { nodeId: grid.nodeId, name: 'x', baseUrl: dead.url })).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('could not be reached') });
    expect(await refusedUnchanged(admin, 'runtimes.connect', { nodeId: grid.nodeId, name: 'x', baseUrl: vllm.url })).toMatchObject({ code: 'CONFLICT' });
    expect(await refusedUnchanged(auditor, 'runtimes.connect', { nodeId: grid.nodeId, name: 'x', baseUrl: 'http://127.0.0.1:9' })).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a probe that fails marks the runtime down with the error, and the catalog says unavailable', async () => {
    const list = await call<Response<'runtimes.list'>>(admin, 'runtimes.list', {});
    const rt = list.runtimes.find((r) => r.kind === 'ollama')!;
    ollama.state.fault = 'malformed';
    const after = await call<Response<'runtimes.probe'>>(admin, 'runtimes.probe', { runtimeId: rt.id });
    expect(after.runtime).toMatchObject({ health: 'down', lastError: expect.stringContaining('did not answer JSON') });
    expect(after.runtime.models).toHaveLength(1);
    const cat = await call<Response<'models.list'>>(admin, 'models.list', {});
    expect(cat.models.find((m) => m.id === 'llama3.1:70b')).toMatchObject({ availability: 'unavailable', runtimes: 1, healthyRuntimes: 0, corridors: ['MENA'] });
    ollama.state.fault = 'none';
    expect((await call<Response<'runtimes.probe'>>(admin, 'runtimes.probe', { runtimeId: rt.id })).runtime.health).toBe('healthy');
  });

  it('serves the catalog as OpenAI-compatible JSON with our fields under their own name', async () => {
    await call(admin, 'models.setMeta', { modelId: 'meta-llama/Llama-3.1-8B-Instruct', displayName: 'Llama 3.1 8B', allowedTiers: ['enterprise', 'sovereign'], regulatedOk: true });
    const o = await call<Response<'models.openai'>>(auditor, 'models.openai', {});
    expect(o.object).toBe('list');
    const llama = o.data.find((d) => d.id === 'meta-llama/Llama-3.1-8B-Instruct')!;
    expect(llama).toMatchObject({ object: 'model', owned_by: 'umamiedge', umamiedge: { display_name: 'Llama 3.1 8B', context_length: 131072, allowed_tiers: ['enterprise', 'sovereign'], regulated_ok: true, corridors: ['EU'], availability: 'available' } });
    expect(await refusedUnchanged(admin, 'models.setMeta', { modelId: 'x', displayName: null, allowedTiers: ['gold'], regulatedOk: false })).toMatchObject({ code: 'VALIDATION' });
  });

  it('SLA: defaults once, admins only, a failover rule must name its corridor', async () => {
    expect((await call<Response<'sla.installDefaults'>>(admin, 'sla.installDefaults', {})).installed).toBe(6);
    expect((await call<Response<'sla.installDefaults'>>(admin, 'sla.installDefaults', {})).installed).toBe(0);
    const sla = await call<Response<'sla.list'>>(admin, 'sla.list', {});
    expect(sla.policies.map((p) => p.key).sort()).toEqual(['enterprise-standard', 'pilot-standard', 'sovereign-strict']);
    expect(sla.tiers.every((t) => t.slaPolicyId !== null)).toBe(true);
    const operator = await coreOn(db, org.operator.email);
    try {
      expect(await refusedUnchanged(operator, 'sla.savePolicy', { key: 'x', name: 'X', uptimeTargetPct: 99, p95TargetMs: 500, escalationWindowMin: 5, failoverRule: 'none' })).toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await operator.cleanup();
    }
    expect(await refusedUnchanged(admin, 'sla.savePolicy', { key: 'fb', name: 'FB', uptimeTargetPct: 99, p95TargetMs: 500, escalationWindowMin: 5, failoverRule: 'fallback_corridor' })).toMatchObject({
      code: 'VALIDATION',
      fields: { fallbackCorridorId: expect.any(String) },
    });
    const p = await call<Response<'sla.savePolicy'>>(admin, 'sla.savePolicy', { key: 'eu-to-mena', name: 'EU with MENA fallback', uptimeTargetPct: 99.5, p95TargetMs: 5000, escalationWindowMin: 15, failoverRule: 'fallback_corridor', fallbackCorridorId: menaCorridor });
    expect(p.policy).toMatchObject({ failoverRule: 'fallback_corridor', fallbackCorridorName: 'MENA' });
  });

  it('customers: a sovereign customer needs reserved nodes', async () => {
    expect(await refusedUnchanged(admin, 'sla.saveCustomer', { key: 'gov', name: 'Gov', tier: 'sovereign', homeCorridorId: grid.corridorId })).toMatchObject({ code: 'VALIDATION' });
    const c = await call<Response<'sla.saveCustomer'>>(admin, 'sla.saveCustomer', { key: 'gov', name: 'Gov', tier: 'sovereign', homeCorridorId: grid.corridorId, reservedNodeIds: [grid.nodeId] });
    expect(c.customer).toMatchObject({ tier: 'sovereign', reservedNodes: 1, homeCorridorName: 'EU' });
    await call(admin, 'sla.saveCustomer', { key: 'acme', name: 'Acme', tier: 'enterprise', homeCorridorId: grid.corridorId });
  });

  it('simulates: a sovereign request lands on its reserved node, saved as evidence, replayable', async () => {
    const { customers } = await call<Response<'sla.list'>>(admin, 'sla.list', {});
    const gov = customers.find((c) => c.key === 'gov')!;
    const s = await call<Response<'routing.simulate'>>(admin, 'routing.simulate', { customerId: gov.id, model: 'meta-llama/Llama-3.1-8B-Instruct', originCountry: 'de', saveAsEvidence: true });
    expect(s.decision.selected).toMatchObject({ hostname: 'fra-01-gpu01', corridorName: 'EU' });
    expect(s.decision.region).toBe('eu');
    expect(s.evidenceId).not.toBeNull();
    expect(s.points.selected).toMatchObject({ name: 'FRA-01' });
    const ev = await call<Response<'evidence.list'>>(admin, 'evidence.list', { kind: 'routing_simulation' });
    expect(ev.records[0]).toMatchObject({ outcome: 'passed', subjectId: s.decisionId });
    const replay = await call<Response<'routing.replay'>>(auditor, 'routing.replay', { decisionId: s.decisionId });
    expect(replay).toMatchObject({ same: true, digestMatches: true });
    const dec = await call<Response<'routing.decisions'>>(auditor, 'routing.decisions', {});
    // The corridor by the name every other view gives it, beside the region the record keeps.
    expect(dec.decisions[0]).toMatchObject({ id: s.decisionId, selectedHostname: 'fra-01-gpu01', inputsDigest: s.inputsDigest, replayable: true, region: 'eu', corridorName: 'EU' });
  });

  it('a request that cannot be served says why, in an operator’s words, and is recorded too', async () => {
    const { customers } = await call<Response<'sla.list'>>(admin, 'sla.list', {});
    const acme = customers.find((c) => c.key === 'acme')!;
    const s = await call<Response<'routing.simulate'>>(admin, 'routing.simulate', { customerId: acme.id, model: 'llama3.1:70b', originCountry: 'DE', workloadClass: 'health' });
    expect(s.decision.selected).toBeNull();
    expect(s.decision.explanation).toBe('No EU node serves llama3.1:70b; 1 MENA node does, but the customer’s residency policy keeps health (regulated) workloads in EU.');
    expect(s.evidenceId).toBeNull();
  });

  it('a customer’s allowed corridors narrow the failover; the refused candidates are recorded with their reason', async () => {
    const { policies } = await call<Response<'sla.list'>>(admin, 'sla.list', {});
    const toMena = policies.find((p) => p.key === 'eu-to-mena')!;
    const base = { key: 'euonly', name: 'EU Only', tier: 'enterprise' as const, homeCorridorId: grid.corridorId, slaPolicyId: toMena.id };
    const c = (await call<Response<'customers.save'>>(admin, 'customers.save', base)).customer;
    const ask = { customerId: c.id, model: 'llama3.1:70b', originCountry: 'DE' };
    // Open: the SLA's failover rule takes the 70b model (served only in MENA) there.
    expect((await call<Response<'routing.simulate'>>(admin, 'routing.simulate', ask)).decision.selected).toMatchObject({ hostname: 'dxb-01-gpu01', corridorName: 'MENA' });
    await call(admin, 'customers.save', { ...base, id: c.id, allowedCorridorIds: [grid.corridorId] });
    const s = await call<Response<'routing.simulate'>>(admin, 'routing.simulate', ask);
    expect(s.decision.selected).toBeNull();
    expect(s.decision.funnel.find((f) => f.reason === 'customer_corridors')?.removed).toBe(1);
    expect(s.decision.explanation).toBe('1 MENA node serves llama3.1:70b, but EU Only’s allowed corridors are EU, and no EU node serves it.');
    const dec = await call<Response<'routing.decisions'>>(auditor, 'routing.decisions', { limit: 1 });
    expect(dec.decisions[0]).toMatchObject({ id: s.decisionId, rejected: { customer_corridors: 1 } });
    // The stored inputs carry the list: a replay decides the same.
    expect(await call<Response<'routing.replay'>>(auditor, 'routing.replay', { decisionId: s.decisionId })).toMatchObject({ same: true, digestMatches: true });
    // The customer page lists the decisions, newest first.
    const page = await call<Response<'customers.get'>>(auditor, 'customers.get', { id: c.id });
    expect(page.decisions.map((d) => d.id)).toEqual([s.decisionId, expect.any(String)]);
    expect(page.decisions[1]).toMatchObject({ selectedHostname: 'dxb-01-gpu01', source: 'simulation' });
  });

  it('what if: the EU site goes down: its traffic is lost or moves, and the MENA model is unchanged', async () => {
    const w = await call<Response<'routing.whatIf'>>(admin, 'routing.whatIf', { siteIds: [grid.siteId] });
    // A handful of customers: every one routed, the answer whole.
    expect(w.partial).toBeNull();
    const gov8b = w.rows.find((r) => r.customerName === 'Gov' && r.model === 'meta-llama/Llama-3.1-8B-Instruct')!;
    expect(gov8b).toMatchObject({ outcome: 'lost', before: 'fra-01-gpu01 (EU)', after: null });
    expect(gov8b.explanation).toContain('unhealthy');
    expect(w.summary.lost).toBeGreaterThan(0);
    expect(await refused(admin, 'routing.whatIf', { siteIds: ['not-a-uuid'] })).toMatchObject({ code: 'VALIDATION' });
  });

  it('refuses a simulation for a customer with no policy in force, storing nothing', async () => {
    await asOwner(db, org.orgId, (c) => c.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) VALUES ($1, 'nopol', 'NoPol', 'pilot', $2)`, [org.orgId, grid.corridorId]));
    await asOwner(db, org.orgId, (c) => c.query(`DELETE FROM mc.customer_tiers WHERE org_id = $1 AND tier = 'pilot'`, [org.orgId]));
    const id = await asOwner(db, org.orgId, async (c) => (await c.query(`SELECT id FROM mc.customers WHERE key = 'nopol'`)).rows[0].id);
    expect(await refusedUnchanged(admin, 'routing.simulate', { customerId: id, model: 'x', originCountry: 'DE' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('has no SLA policy') });
  });

  it('the prober records what each runtime said, marks a dead one down with its circuit, and uses the keychain key', async () => {
    const session = admin.db.session!;
    const now = new Date(Date.now() + 5 * 60_000);
    const due = await admin.db.tx(session, (sql) => dueRuntimes(sql, now));
    expect(due.map((d) => d.kind).sort()).toEqual(['ollama', 'vllm']);
    await ollama.close();
    const outcomes = await probeRuntimes(due, admin.vault, org.orgId);
    expect(outcomes.find((o) => o.id === due.find((d) => d.kind === 'vllm')!.id)).toMatchObject({ ok: true });
    expect(outcomes.find((o) => o.id === due.find((d) => d.kind === 'ollama')!.id)).toMatchObject({ ok: false, message: expect.stringContaining('could not be reached') });
    expect(vllm.state.calls.at(-1)?.auth).toBe('Bearer sk-fake-vllm');
    await admin.db.tx(session, (sql) => recordOutcomes(sql, outcomes));
    const list = await call<Response<'runtimes.list'>>(auditor, 'runtimes.list', {});
    expect(list.runtimes.find((r) => r.kind === 'ollama')).toMatchObject({ health: 'down', lastError: expect.stringContaining('could not be reached') });
    expect(list.runtimes.find((r) => r.kind === 'vllm')).toMatchObject({ health: 'healthy', probeSource: 'workstation' });
  });

  it('maintenance keeps day partitions ahead and drops decisions past retention', async () => {
    await asOwner(db, null, async (c) => {
      await c.query(`CREATE TABLE mc_routing.routing_decisions_20000101 (LIKE mc.routing_decisions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await c.query(`ALTER TABLE mc.routing_decisions ATTACH PARTITION mc_routing.routing_decisions_20000101 FOR VALUES FROM ('2000-01-01 00:00Z') TO ('2000-01-02 00:00Z')`);
    });
    const r = await admin.db.systemTx((sql) => maintainRouting(sql));
    expect(r.routing_partitions_dropped).toBe(1);
    const left = await asOwner(db, null, async (c) => (await c.query(`SELECT to_regclass('mc_routing.routing_decisions_20000101') AS t`)).rows[0].t);
    expect(left).toBeNull();
    // Decisions of today are kept.
    expect((await call<Response<'routing.decisions'>>(admin, 'routing.decisions', {})).decisions.length).toBeGreaterThan(0);
  });

  it('answers the gates: runtime connected, models available, routing simulation saved (in the corridor scope)', async () => {
    const session = admin.db.session!;
    const eu = { type: 'corridor' as const, id: grid.corridorId, corridorId: grid.corridorId };
    const mena = { type: 'corridor' as const, id: menaCorridor, corridorId: menaCorridor };
    const ask = (key: Parameters<typeof answer>[1], scope: typeof eu) => admin.db.tx(session, (sql) => answer(sql, key, scope, session));
    expect(await ask('runtime_connected', eu)).toMatchObject({ ok: true, summary: expect.stringContaining('fra vLLM') });
    expect(await ask('runtime_connected', mena)).toMatchObject({ ok: false });
    expect(await ask('models_available', eu)).toMatchObject({ ok: true, summary: expect.stringContaining('meta-llama/Llama-3.1-8B-Instruct') });
    expect(await ask('routing_simulation_saved', eu)).toMatchObject({ ok: true, record: { type: 'evidence' } });
    expect(await ask('routing_simulation_saved', mena)).toMatchObject({ ok: false, summary: expect.stringContaining('Save as evidence') });
  });

  it('what if over more customers than one run routes: the answer says it is partial, and how far it got', async () => {
    await asOwner(db, org.orgId, (c) =>
      c.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id) SELECT $1, 'bulk-' || g, 'Bulk ' || g, 'pilot', $2 FROM generate_series(1, 201) g`, [org.orgId, grid.corridorId]),
    );
    try {
      const w = await call<Response<'routing.whatIf'>>(admin, 'routing.whatIf', { siteIds: [grid.siteId] });
      expect(w.partial).toEqual({ customers: 200, requests: w.rows.length });
    } finally {
      await asOwner(db, org.orgId, (c) => c.query(`DELETE FROM mc.customers WHERE org_id = $1 AND key LIKE 'bulk-%'`, [org.orgId]));
    }
  });
});
