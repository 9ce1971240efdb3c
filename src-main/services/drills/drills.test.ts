/**
 * Failover drills through the contract on a real Postgres: a site drill that fails over inside
 * its corridor and passes, a corridor drill that leaves nothing to route to and fails, a stop
 * condition that aborts, and every refusal with nothing stored changed.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { DrillDetail } from '../../../src-shared/contract/drills';
import { siteFigures } from '../../../src-shared/domain/network';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, DIRECT } from '../../testing/harness';
import { unchangedOn } from '../../testing/unchanged';
import { verifyBundle } from '../evidence/bundle/verify';
import { needKeychain } from '../../testing/keychain-gate';
import { TEST_SERVICE } from '../../testing/keychain';

const ROOT = join(__dirname, '..', '..', '..');

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Drill = { drill: DrillDetail };

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const TABLES = ['drills', 'drill_steps', 'nodes', 'incidents', 'evidence_records', 'routing_decisions', 'audit_events'];

describe.skipIf(!ok)('failover drills end to end', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let parNode: string;
  let policyId: string;
  let ruleId: string;
  let commander: Core;
  let operator: Core;
  let auditor: Core;
  /** The drill that passed, for its evidence bundle. */
  let passedId: string;

  /** Refused by the service, with nothing stored added, lost or changed. */
  const { refusedUnchanged } = unchangedOn(() => db, () => org.orgId, TABLES);
  const lifecycle = (id: string) => asOwner(db, org.orgId, async (c) => (await c.query<{ lifecycle: string }>('SELECT lifecycle FROM mc.nodes WHERE id = $1', [id])).rows[0]!.lifecycle);
  const auditActions = (drillId: string) =>
    asOwner(db, org.orgId, async (c) =>
      (await c.query<{ action: string }>(`SELECT action FROM mc.audit_events WHERE org_id = $1 AND (target_id = $2 OR data->>'drillId' = $2) ORDER BY seq`, [org.orgId, drillId])).rows.map((r) => r.action),
    );
  const plan = (scopeKind: string, scopeTarget: string, stopRuleIds: string[] = []) =>
    call<Drill>(commander, 'drills.create', { hypothesis: 'Traffic stays in the EU when a site is drained.', scopeKind, scopeTarget, slaPolicyId: policyId, stopRuleIds });
  const step = (drillId: string, s: string) => call<Drill>(commander, 'drills.runStep', { drillId, step: s });
  /** A drill's incident: its state and resolution note, and its timeline's state changes. */
  const incidentOf = (incidentId: string) =>
    asOwner(db, org.orgId, async (c) => ({
      ...(await c.query<{ state: string; resolution_note: string | null; drill: boolean }>('SELECT state, resolution_note, drill FROM mc.incidents WHERE id = $1', [incidentId])).rows[0]!,
      transitions: (await c.query<{ body: string | null; data: { from: string; to: string } }>(`SELECT body, data FROM mc.incident_events WHERE incident_id = $1 AND kind = 'transition' ORDER BY at`, [incidentId])).rows,
    }));

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'drills');
    grid = await seedGrid(db, org);
    await asOwner(db, org.orgId, async (c) => {
      // A second EU site with its own node: where FRA-01's traffic should go when it is drained.
      const site = (await c.query(`INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'par-01', 'PAR-01', 'colocation', 'FR', 48.9, 2.35, 'x') RETURNING id`, [org.orgId, grid.corridorId])).rows[0].id;
      const group = (await c.query(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'a', 'A') RETURNING id`, [org.orgId, site])).rows[0].id;
      parNode = (await c.query(`INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle) VALUES ($1, $2, $3, 'par-01-gpu01', 'tgi', 'H100 80GB', 8, 640, 20000, 'active') RETURNING id`, [org.orgId, site, group])).rows[0].id;
      // Runtimes as a fresh probe left them: healthy, serving the model.
      for (const [i, node] of [grid.nodeId, parNode].entries()) {
        const rt = (await c.query(`INSERT INTO mc.runtimes (org_id, node_id, name, kind, base_url, runtime_group, health, last_probe_at, p95_latency_ms) VALUES ($1, $2, $3, 'vllm', $4, 'vllm', 'healthy', now(), 80) RETURNING id`, [org.orgId, node, `rt ${i}`, `http://10.0.0.${i + 1}:8000`])).rows[0].id;
        await c.query(`INSERT INTO mc.runtime_models (org_id, runtime_id, model_id, context_length) VALUES ($1, $2, $3, 131072)`, [org.orgId, rt, MODEL]);
      }
      policyId = (await c.query(`INSERT INTO mc.sla_policies (org_id, key, name, uptime_target_pct, p95_target_ms, escalation_window_min, failover_rule) VALUES ($1, 'ent', 'Enterprise', 99.9, 2000, 15, 'same_corridor') RETURNING id`, [org.orgId])).rows[0].id;
      await c.query(`INSERT INTO mc.customers (org_id, key, name, tier, home_corridor_id, sla_policy_id) VALUES ($1, 'acme', 'Acme', 'enterprise', $2, $3)`, [org.orgId, grid.corridorId, policyId]);
      ruleId = (await c.query(`INSERT INTO mc.alert_rules (org_id, name, metric, aggregation, comparison, threshold, for_seconds, severity, scope_kind) VALUES ($1, 'EU p95 too high', 'p95_latency_ms', 'p95', '>', 1000, 0, 'critical', 'all') RETURNING id`, [org.orgId])).rows[0].id;
    });
    commander = await coreOn(db, org.commander.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
    const customers = await asOwner(db, org.orgId, async (c) => (await c.query<{ id: string }>(`SELECT id FROM mc.customers WHERE org_id = $1`, [org.orgId])).rows);
    // The saved simulation the drill re-runs.
    await call(commander, 'routing.simulate', { customerId: customers[0]!.id, model: MODEL, originCountry: 'DE' });
  });
  afterAll(async () => {
    for (const c of [commander, operator, auditor]) await c?.cleanup();
    await db?.drop();
  });

  it('refuses an unknown scope, bad input and the wrong role, storing nothing', async () => {
    const good = { hypothesis: 'Drain FRA-01', scopeKind: 'site', scopeTarget: grid.siteId, slaPolicyId: policyId };
    expect(await refusedUnchanged(commander, 'drills.create', { ...good, scopeTarget: '6f1c3a52-0000-4000-8000-000000000000' })).toMatchObject({ code: 'NOT_FOUND', fields: { scopeTarget: 'No such site.' } });
    expect(await refusedUnchanged(commander, 'drills.create', { ...good, scopeKind: 'runtime_group', scopeTarget: 'nope' })).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('runtime group "nope"') });
    expect(await refusedUnchanged(commander, 'drills.create', { ...good, slaPolicyId: '6f1c3a52-0000-4000-8000-000000000000' })).toMatchObject({ code: 'NOT_FOUND', fields: { slaPolicyId: 'No such SLA policy.' } });
    expect(await refusedUnchanged(commander, 'drills.create', { ...good, stopRuleIds: ['6f1c3a52-0000-4000-8000-000000000000'] })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusedUnchanged(commander, 'drills.create', { ...good, hypothesis: 'x' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refusedUnchanged(commander, 'drills.create', { ...good, scopeKind: 'planet' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refusedUnchanged(operator, 'drills.create', good)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusedUnchanged(auditor, 'drills.create', good)).toMatchObject({ code: 'FORBIDDEN' });
    expect((await call<Response<'drills.list'>>(auditor, 'drills.list', {})).drills).toEqual([]);
  });

  it('a site drill: drains, fails over inside the corridor, restores, and passes with evidence', async () => {
    const { drill } = await plan('site', grid.siteId);
    expect(drill).toMatchObject({ state: 'planned', scopeName: 'Site FRA-01', steps: [{ kind: 'drain', state: 'pending' }, { kind: 'simulate' }, { kind: 'restore' }] });
    expect(await refusedUnchanged(commander, 'drills.runStep', { drillId: drill.id, step: 'drain' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('planned') });

    const started = (await call<Drill>(commander, 'drills.start', { drillId: drill.id })).drill;
    expect(started).toMatchObject({ state: 'running', incidentRef: expect.stringMatching(/^INC-\d+$/), before: { nodes: 1, active: 1, simulations: 1, routable: 1 } });
    const incident = await asOwner(db, org.orgId, async (c) => (await c.query('SELECT drill, title FROM mc.incidents WHERE id = $1', [started.incidentId])).rows[0]);
    expect(incident).toEqual({ drill: true, title: 'Failover drill: Site FRA-01' });
    expect(await refusedUnchanged(commander, 'drills.start', { drillId: drill.id })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('running already') });
    expect(await refusedUnchanged(commander, 'drills.runStep', { drillId: drill.id, step: 'restore' })).toMatchObject({ code: 'CONFLICT', message: 'Step "restore" is out of order: run "drain" first.' });
    expect(await refusedUnchanged(commander, 'drills.complete', { drillId: drill.id })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('"drain" has not run') });
    expect(await refusedUnchanged(auditor, 'drills.runStep', { drillId: drill.id, step: 'drain' })).toMatchObject({ code: 'FORBIDDEN' });

    const drained = (await step(drill.id, 'drain')).drill;
    expect(drained.steps[0]).toMatchObject({ state: 'done', summary: [expect.stringContaining('Drained 1 of 1 node(s)')] });
    expect(await lifecycle(grid.nodeId)).toBe('draining');
    expect(await lifecycle(parNode)).toBe('active');
    // The network map reads the drill's drain from the same node records: FRA-01 drained, PAR-01 not.
    const mapFigure = async (siteId: string) => {
      const overview = await call<Response<'grid.overview'>>(commander, 'grid.overview', {});
      const { nodes } = await call<Response<'nodes.list'>>(commander, 'nodes.list', {});
      return siteFigures(overview.sites, nodes).find((f) => f.id === siteId)!;
    };
    expect(await mapFigure(grid.siteId)).toMatchObject({ nodes: 1, draining: 1, drain: 'all' });
    const parSite = (await call<Response<'grid.overview'>>(commander, 'grid.overview', {})).sites.find((s) => s.key === 'par-01')!;
    expect(await mapFigure(parSite.id)).toMatchObject({ draining: 0, drain: 'none' });

    const simulated = (await step(drill.id, 'simulate')).drill;
    expect(simulated.steps[1]!.result).toMatchObject({ source: 'saved', served: 1, outside: 0, recovered: true, simulations: [{ customerName: 'Acme', selected: 'par-01-gpu01', residency: 'inside' }] });

    const restored = (await step(drill.id, 'restore')).drill;
    expect(restored.steps[2]).toMatchObject({ state: 'done', summary: ['Returned 1 drained node(s) to active.'] });
    expect(await lifecycle(grid.nodeId)).toBe('active');
    expect(await mapFigure(grid.siteId)).toMatchObject({ draining: 0, drain: 'none' });
    expect(await refusedUnchanged(commander, 'drills.runStep', { drillId: drill.id, step: 'drain' })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('complete the drill') });

    const done = (await call<Drill>(commander, 'drills.complete', { drillId: drill.id })).drill;
    expect(done).toMatchObject({ state: 'completed', outcome: 'passed', outcomeReasons: [], dataLossMs: null, after: { nodes: 1, active: 1, routable: 1 }, targets: { recoveryMs: 15 * 60_000 } });
    expect(done.recoveryMs).toBeGreaterThanOrEqual(0);
    expect(done.recoveryMs).toBe(Date.parse(done.steps[1]!.endedAt!) - Date.parse(done.steps[0]!.startedAt!));
    const evidence = await asOwner(db, org.orgId, async (c) => (await c.query('SELECT kind, subject_type, subject_id, outcome FROM mc.evidence_records WHERE id = $1', [done.evidenceId])).rows[0]);
    expect(evidence).toEqual({ kind: 'drill', subject_type: 'drill', subject_id: drill.id, outcome: 'passed' });
    // The timeline in the chain: every step an event, every node drained and restored an event.
    expect(await auditActions(drill.id)).toEqual([
      'drills.created',
      'drills.started',
      'nodes.lifecycle_changed',
      'drills.step_done',
      'drills.step_done',
      'nodes.lifecycle_changed',
      'drills.step_done',
      'drills.completed',
    ]);
    expect(done.timeline.map((t) => t.action)).toEqual(['drills.created', 'drills.started', 'drills.step_done', 'drills.step_done', 'drills.step_done', 'drills.completed']);
    // Its incident ends with it: resolved, the outcome as the resolution note on the incident's timeline.
    const inc = await incidentOf(done.incidentId!);
    expect(inc).toMatchObject({ state: 'resolved', drill: true });
    expect(inc.resolution_note).toMatch(/^Failover drill completed: passed \(recovery \d+ ms, data-loss window unknown\)\. Evidence: "Failover drill passed: Site FRA-01"\. Drill, not an outage\.$/);
    expect(inc.transitions).toEqual([{ body: inc.resolution_note, data: { from: 'triage', to: 'resolved', resolutionNote: true } }]);
    expect((await call<Response<'incidents.list'>>(auditor, 'incidents.list', { filter: 'open' })).incidents.map((i) => i.id)).not.toContain(done.incidentId);
    expect((await call<{ ok: boolean }>(auditor, 'audit.verify', {})).ok).toBe(true);
    passedId = drill.id;
  });

  it('exports a drill’s evidence bundle: the drill, its steps, incident, decisions and events, verified offline', async () => {
    const r = await auditor.router.invoke('bundles.export', { exportId: randomUUID(), scope: { kind: 'drill', drillId: passedId } }, DIRECT);
    expect(r.ok).toBe(true);
    const file = (r as { data: { path: string; fileName: string } }).data;
    expect(file.fileName).toMatch(new RegExp(`^evidence-drill-${passedId.slice(0, 8)}-`));
    const v = await verifyBundle(file.path);
    expect(v.checks.filter((c) => !c.ok)).toEqual([]);
    const zip = await yauzl.openPromise(file.path);
    const entries = new Map<string, string>();
    for await (const entry of zip.eachEntry()) {
      const parts: Buffer[] = [];
      for await (const c of await zip.openReadStreamPromise(entry)) parts.push(c as Buffer);
      entries.set(entry.fileName, Buffer.concat(parts).toString('utf8'));
    }
    zip.close();
    const lines = (name: string) => (entries.get(name) ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const drill = lines('records/drills.jsonl');
    expect(drill.map((d) => d.id)).toEqual([passedId]);
    expect(lines('records/drill-steps.jsonl').map((s) => s.kind)).toEqual(['drain', 'simulate', 'restore']);
    expect(lines('records/incidents.jsonl').map((i) => [i.id, i.drill])).toEqual([[drill[0]!.incident_id, true]]);
    expect(lines('records/evidence-records.jsonl').map((e) => e.kind)).toEqual(['drill']);
    expect(lines('records/routing-decisions.jsonl')).toHaveLength(1);
    expect(lines('records/sla-policies.jsonl').map((p) => p.id)).toEqual([policyId]);
    // What it acted on, named: the node it drained (FRA-01's, not PAR-01's), its site and corridor.
    const drained = lines('records/drill-steps.jsonl').find((s) => s.kind === 'drain')!.result as { drainedNodeIds: string[] };
    expect(drained.drainedNodeIds).toEqual([grid.nodeId]);
    expect(lines('records/nodes.jsonl').map((n) => [n.id, n.hostname])).toEqual([[grid.nodeId, 'fra-01-gpu01']]);
    expect(lines('records/sites.jsonl').map((x) => x.id)).toEqual([grid.siteId]);
    expect(lines('records/corridors.jsonl').map((x) => x.id)).toEqual([grid.corridorId]);
    expect(lines('records/node-keys.jsonl')).toEqual([]);
    const events = lines('records/audit-events.jsonl').map((e) => e.event as { action: string; target: { type: string; id: string }; data: { drillId?: string } });
    expect(events.filter((e) => e.target.type === 'drill').map((e) => e.action)).toEqual(['drills.created', 'drills.started', 'drills.step_done', 'drills.step_done', 'drills.step_done', 'drills.completed']);
    expect(events.filter((e) => e.target.type === 'node').map((e) => e.data.drillId)).toEqual([passedId, passedId]);
    // Nothing of another drill.
    expect(events.every((e) => e.target.type !== 'drill' || e.target.id === passedId)).toBe(true);
    // The scope names the drill (its scope and hypothesis, from its record), not only its id.
    const name = 'Site FRA-01 — “Traffic stays in the EU when a site is drained.”';
    expect(JSON.parse(entries.get('manifest.json')!).scope).toEqual({ kind: 'drill', drillId: passedId, name });
    expect(entries.get('README.txt')).toContain(`Scope:     Failover drill: ${name}\n           failover drill ${passedId}: its steps, the nodes it drained`);
    expect(entries.get('report.html')).toContain('Failover drill: Site FRA-01 — “Traffic stays in the EU');

    // The same scope from the command line, against the commander's data folder.
    const out = join(commander.dataDir, 'cli-drill.zip');
    const cli = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'src-main/services/evidence/bundle/cli.ts'), 'export', '--drill', passedId.toUpperCase(), '--out', out, '--data-dir', commander.dataDir], {
      encoding: 'utf8',
      env: { ...process.env, MC_KEYCHAIN_SERVICE: TEST_SERVICE },
    });
    expect(cli.stderr.replace(/\rzipping \d+\/\d+/g, '').trim()).toBe('');
    expect(cli.status).toBe(0);
    const byCli = await verifyBundle(out);
    expect(byCli.checks.filter((c) => !c.ok)).toEqual([]);
    expect(byCli.ok).toBe(true);
    const cliZip = await yauzl.openPromise(out);
    let cliManifest: unknown = null;
    for await (const entry of cliZip.eachEntry()) {
      if (entry.fileName !== 'manifest.json') continue;
      const parts: Buffer[] = [];
      for await (const c of await cliZip.openReadStreamPromise(entry)) parts.push(c as Buffer);
      cliManifest = JSON.parse(Buffer.concat(parts).toString('utf8'));
    }
    cliZip.close();
    expect(cliManifest).toMatchObject({ scope: { kind: 'drill', drillId: passedId, name }, counts: { 'records/drills.jsonl': 1, 'records/drill-steps.jsonl': 3, 'records/nodes.jsonl': 1, 'records/sites.jsonl': 1 } });
  });

  it('a corridor drill leaves nothing to route to: it fails with the reason, and says the figures are computed', async () => {
    const { drill } = await plan('corridor', grid.corridorId);
    await call(commander, 'drills.start', { drillId: drill.id });
    expect((await step(drill.id, 'drain')).drill.steps[0]!.summary[0]).toContain('Drained 2 of 2 node(s)');
    const sim = (await step(drill.id, 'simulate')).drill.steps[1]!;
    expect(sim.result).toMatchObject({ served: 0, recovered: false, simulations: [{ selected: null, residency: 'unserved' }] });
    await step(drill.id, 'restore');
    const done = (await call<Drill>(commander, 'drills.complete', { drillId: drill.id })).drill;
    expect(done).toMatchObject({ outcome: 'failed', recoveryMs: null, outcomeReasons: ['Routing never found valid targets again during the drill.'] });
    expect([await lifecycle(grid.nodeId), await lifecycle(parNode)]).toEqual(['active', 'active']);
  });

  it('a firing stop condition aborts the drill, restores what it drained, and says why', async () => {
    const { drill } = await plan('site', grid.siteId, [ruleId]);
    await call(commander, 'drills.start', { drillId: drill.id });
    await step(drill.id, 'drain');
    await asOwner(db, org.orgId, (c) =>
      c.query(`INSERT INTO mc.alert_instances (org_id, rule_id, subject_key, subject_type, state, firing_since) VALUES ($1, $2, 'all', 'all', 'firing', now())`, [org.orgId, ruleId]),
    );
    const aborted = (await step(drill.id, 'simulate')).drill;
    expect(aborted).toMatchObject({ state: 'aborted', endReason: 'Stop condition fired: EU p95 too high.', outcome: null, stopRules: [{ name: 'EU p95 too high', firing: true }] });
    expect(aborted.steps.map((s) => s.state)).toEqual(['done', 'skipped', 'skipped']);
    expect(await lifecycle(grid.nodeId)).toBe('active');
    expect(await auditActions(drill.id)).toContain('drills.aborted');
    const inc = await incidentOf(aborted.incidentId!);
    expect(inc).toMatchObject({ state: 'resolved', resolution_note: 'Failover drill aborted: Stop condition fired: EU p95 too high. 1 drained node(s) returned to active. Drill, not an outage.' });
    expect(inc.transitions.map((t) => t.data.to)).toEqual(['resolved']);
    // A new drill with the rule still firing is not started at all.
    const next = (await plan('site', grid.siteId, [ruleId])).drill;
    expect(await refusedUnchanged(commander, 'drills.start', { drillId: next.id })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('"EU p95 too high" is firing') });
    await asOwner(db, org.orgId, (c) => c.query('DELETE FROM mc.alert_instances WHERE rule_id = $1', [ruleId]));
  });

  it('stops by hand with a reason, putting drained nodes back', async () => {
    const { drill } = await plan('runtime_group', 'tgi');
    expect(drill.scopeName).toBe('Runtime group tgi');
    await call(commander, 'drills.start', { drillId: drill.id });
    await step(drill.id, 'drain');
    expect(await lifecycle(parNode)).toBe('draining');
    expect(await refusedUnchanged(commander, 'drills.stop', { drillId: drill.id, reason: '' })).toMatchObject({ code: 'VALIDATION' });
    // The commander resolved the drill's incident already, in words of their own: the drill's end leaves it as they left it.
    const running = (await call<Drill>(commander, 'drills.get', { drillId: drill.id })).drill;
    await call(commander, 'incidents.transition', { incidentId: running.incidentId!, to: 'resolved', expectedState: 'triage', resolutionNote: 'Ended by the commander for a real incident.' });
    const stopped = (await call<Drill>(commander, 'drills.stop', { drillId: drill.id, reason: 'Real incident in progress' })).drill;
    expect(stopped).toMatchObject({ state: 'stopped', endReason: 'Real incident in progress' });
    const inc = await incidentOf(running.incidentId!);
    expect(inc).toMatchObject({ state: 'resolved', resolution_note: 'Ended by the commander for a real incident.' });
    expect(inc.transitions).toHaveLength(1);
    expect(await lifecycle(parNode)).toBe('active');
    expect(await refusedUnchanged(commander, 'drills.complete', { drillId: drill.id })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('stopped') });
    const list = (await call<Response<'drills.list'>>(auditor, 'drills.list', {})).drills;
    expect(list.map((d) => d.state)).toEqual(['stopped', 'planned', 'aborted', 'completed', 'completed']);
  });
});
