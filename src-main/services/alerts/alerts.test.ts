import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { DEFAULT_RULES } from '../../../src-shared/domain/alert-rules';
import { asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, seedKey, seedRollup, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { ensureOpsDefaults } from './defaults';
import { evaluateAlerts } from './evaluate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

const LATENCY = 7;
/** A whole minute well in the past, so nothing else in the database shares these rollups' minutes. */
const T0 = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 6 * 3600_000);
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe.skipIf(!ok)('alert rules and their evaluation', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let auditor: Core;

  const evaluate = (when: Date) => admin.db.tx(admin.db.session!, (sql) => evaluateAlerts(sql, admin.db.session!, when, 'test workstation'));
  const list = async () => (await call<Response<'alerts.list'>>(admin, 'alerts.list', {}));
  const latencyMinutes = async (fromMinute: number, toMinute: number, value: number) => {
    for (let m = fromMinute; m <= toMinute; m++) await seedRollup(db, org, grid.nodeId, LATENCY, at(m * 60), value);
  };
  const rule = (over: Record<string, unknown> = {}) => ({
    name: 'Test latency',
    metric: 'p95_latency_ms',
    aggregation: 'p95',
    comparison: '>',
    threshold: 1000,
    forSeconds: 300,
    keepFiringForSeconds: 0,
    severity: 'critical',
    scopeKind: 'corridor',
    scopeId: null,
    openIncident: true,
    incidentSeverity: 'critical',
    ...over,
  });

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'alerts');
    grid = await seedGrid(db, org);
    admin = await coreOn(db, org.admin.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    await admin?.cleanup();
    await auditor?.cleanup();
    await db?.drop();
  });

  it('says nobody evaluates before anyone has', async () => {
    expect((await list()).evaluation).toEqual({ at: null, by: null, stale: true });
  });

  it('fires only after the condition held for `for`, keeps the clock across evaluations, and opens one linked incident', async () => {
    const saved = (await call<Response<'alerts.saveRule'>>(admin, 'alerts.saveRule', rule())).rule;
    expect(saved.description).toBe('P95 latency (P95, each corridor) > 1,000 ms for 5 min');
    await latencyMinutes(-1, 0, 1500);
    await evaluate(at(10));
    let inst = (await list()).instances.find((i) => i.ruleId === saved.id)!;
    expect(inst).toMatchObject({ state: 'pending', subjectKey: `corridor:${grid.corridorId}`, subjectName: 'EU', pendingSince: at(10).toISOString(), lastValueText: '1,500 ms' });
    // Each evaluation starts from what the database holds: an app restarted in between picks up the same clock.
    await latencyMinutes(1, 3, 1500);
    await evaluate(at(190));
    inst = (await list()).instances.find((i) => i.ruleId === saved.id)!;
    expect(inst).toMatchObject({ state: 'pending', pendingSince: at(10).toISOString() });
    // The app restarts: a new core, a new connection, nothing in memory — the clock is the database's.
    await latencyMinutes(4, 5, 1600);
    await admin.cleanup();
    admin = await coreOn(db, org.admin.email);
    const fired = await evaluate(at(310));
    expect(fired.transitions).toEqual([expect.objectContaining({ from: 'pending', to: 'firing', rule: 'Test latency', reason: '1,600 ms > 1,000 ms for 5 min' })]);
    expect(fired.opened).toHaveLength(1);
    inst = (await list()).instances.find((i) => i.ruleId === saved.id)!;
    expect(inst.state).toBe('firing');
    expect(inst.incident?.ref).toBe(fired.opened[0]);

    const incident = await call<Response<'incidents.get'>>(admin, 'incidents.get', { incidentId: inst.incident!.id });
    expect(incident.incident).toMatchObject({ title: 'Test latency: EU', severity: 'critical', openedBy: { id: null, name: 'Alert rule “Test latency”' } });
    expect(incident.alerts).toEqual([expect.objectContaining({ ruleId: saved.id, subjectName: 'EU', state: 'firing' })]);
    expect(incident.affected).toEqual([{ kind: 'corridor', id: grid.corridorId, name: 'EU' }]);
    expect(incident.timeline.map((t) => t.kind)).toEqual(['opened', 'alert_linked', 'affected_added']);

    // Still firing: no second incident.
    await latencyMinutes(6, 6, 1700);
    expect((await evaluate(at(370))).opened).toEqual([]);
    expect((await call<Response<'incidents.list'>>(admin, 'incidents.list', { filter: 'open' })).incidents).toHaveLength(1);

    // Back to normal: resolved, and the incident's timeline says so (the incident stays for people to close).
    await latencyMinutes(7, 8, 300);
    const resolved = await evaluate(at(490));
    expect(resolved.transitions.map((t) => t.to)).toEqual(['resolved']);
    const after = await call<Response<'incidents.get'>>(admin, 'incidents.get', { incidentId: inst.incident!.id });
    expect(after.incident.state).toBe('triage');
    expect(after.timeline.at(-1)).toMatchObject({ kind: 'alert_resolved', actor: { id: null, name: 'Alert rule “Test latency”' } });
    const history = (await call<Response<'alerts.history'>>(admin, 'alerts.history', { ruleId: saved.id })).events;
    expect(history.map((e) => e.to)).toEqual(['resolved', 'firing', 'pending']);
    expect((await list()).evaluation).toMatchObject({ at: at(490).toISOString(), by: 'test workstation' });
    await call(admin, 'alerts.deleteRule', { id: saved.id, reason: 'test over' });
  });

  it('resolves a firing alert whose nodes went silent, saying there was no data', async () => {
    const saved = (await call<Response<'alerts.saveRule'>>(admin, 'alerts.saveRule', rule({ name: 'Silent', forSeconds: 0, openIncident: false }))).rule;
    await latencyMinutes(20, 21, 2000);
    expect((await evaluate(at(21 * 60 + 10))).transitions.map((t) => t.to)).toEqual(['firing']);
    // No rollups after minute 21: within five minutes the state holds, then it resolves.
    expect((await evaluate(at(24 * 60))).transitions).toEqual([]);
    const gone = await evaluate(at(27 * 60 + 20));
    expect(gone.transitions).toEqual([expect.objectContaining({ to: 'resolved', reason: expect.stringMatching(/^no data for \d+ min$/) })]);
    await call(admin, 'alerts.deleteRule', { id: saved.id, reason: 'test over' });
  });

  it('watches component status: a major outage fires a component rule', async () => {
    const [routing] = await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }]);
    const saved = (
      await call<Response<'alerts.saveRule'>>(admin, 'alerts.saveRule', rule({ name: 'Outage', metric: 'component_state', aggregation: 'max', comparison: '>=', threshold: 3, forSeconds: 0, scopeKind: 'component', openIncident: false }))
    ).rule;
    expect(saved.description).toBe('Component state of each component >= partial outage');
    await evaluate(at(3000));
    expect((await list()).instances.filter((i) => i.ruleId === saved.id)).toEqual([]);
    await call(admin, 'status.setState', { componentId: routing, state: 'major_outage', reason: 'router down' });
    const r = await evaluate(at(3015));
    expect(r.transitions).toEqual([expect.objectContaining({ to: 'firing', reason: 'major outage >= partial outage' })]);
    expect((await list()).instances.find((i) => i.ruleId === saved.id)).toMatchObject({ subjectName: 'Routing', lastValueText: 'major outage' });
    await call(admin, 'status.setState', { componentId: routing, state: 'operational', reason: 'fixed' });
    await call(admin, 'alerts.deleteRule', { id: saved.id, reason: 'test over' });
  });

  it('counts the org’s telemetry dead letters: the default warning fires above 50 and resolves when they are replayed or discarded', async () => {
    const dead = DEFAULT_RULES.find((r) => r.metric === 'dead_letters')!;
    expect(dead).toMatchObject({ name: 'Dead letters warning', comparison: '>', threshold: 50, scopeKind: 'all', severity: 'warning' });
    const saved = (await call<Response<'alerts.saveRule'>>(admin, 'alerts.saveRule', rule({ ...dead, name: 'DLQ size' }))).rule;
    expect(saved.description).toBe('Telemetry dead letters (the whole grid) > 50 batches');
    // Bad input: per corridor is refused, naming the field.
    expect(await refused(admin, 'alerts.saveRule', rule({ ...dead, name: 'DLQ per corridor', scopeKind: 'corridor' }))).toMatchObject({ code: 'VALIDATION', fields: { scopeKind: expect.stringContaining('whole grid') } });
    const key = (await seedKey(db, org, grid.nodeId)).id;
    const letters = (n: number, from: number) =>
      asOwner(db, org.orgId, (c) =>
        c.query(
          `INSERT INTO mc.ingest_dead_letters (seq, org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at, attempts, reason)
           SELECT $3 + g, $1, $2, $4, gen_random_uuid(), ARRAY[now()], '{1}', '{5}', 'x', now(), 5, 'test' FROM generate_series(1, $5) g`,
          [org.orgId, grid.nodeId, from, key, n],
        ),
      );
    await letters(50, 0);
    expect((await evaluate(at(4000))).transitions.filter((t) => t.rule === 'DLQ size')).toEqual([]);
    await letters(1, 50);
    const fired = await evaluate(at(4015));
    expect(fired.transitions.filter((t) => t.rule === 'DLQ size')).toEqual([expect.objectContaining({ to: 'firing', subjectKey: 'all', reason: '51 batches > 50 batches' })]);
    await asOwner(db, org.orgId, (c) => c.query('DELETE FROM mc.ingest_dead_letters WHERE org_id = $1', [org.orgId]));
    const cleared = await evaluate(at(4030));
    expect(cleared.transitions.filter((t) => t.rule === 'DLQ size')).toEqual([expect.objectContaining({ to: 'resolved' })]);
    await call(admin, 'alerts.deleteRule', { id: saved.id, reason: 'test over' });
  });

  it('starts a rule’s alerts afresh when its condition changes, not when only its name does', async () => {
    const saved = (await call<Response<'alerts.saveRule'>>(admin, 'alerts.saveRule', rule({ name: 'Edited', forSeconds: 600, openIncident: false }))).rule;
    await latencyMinutes(40, 41, 1500);
    await evaluate(at(41 * 60 + 5));
    const pending = () => list().then((l) => l.instances.filter((i) => i.ruleId === saved.id));
    expect((await pending()).map((i) => i.state)).toEqual(['pending']);
    await call(admin, 'alerts.saveRule', { ...rule({ name: 'Edited again', forSeconds: 600, openIncident: false }), id: saved.id, expectedVersion: saved.version });
    expect((await pending()).map((i) => i.state)).toEqual(['pending']);
    const renamed = (await list()).rules.find((r) => r.id === saved.id)!;
    await call(admin, 'alerts.saveRule', { ...rule({ name: 'Edited again', threshold: 2000, forSeconds: 600, openIncident: false }), id: saved.id, expectedVersion: renamed.version });
    expect(await pending()).toEqual([]);
    const stale = await refused(admin, 'alerts.saveRule', { ...rule({ name: 'Edited again', forSeconds: 600 }), id: saved.id, expectedVersion: saved.version });
    expect(stale.code).toBe('CONFLICT');
    await call(admin, 'alerts.deleteRule', { id: saved.id, reason: 'test over' });
  });

  it('names what is wrong with a bad rule, refuses auditors, and stores nothing', async () => {
    const before = (await list()).rules.length;
    const out = await refused(admin, 'alerts.saveRule', rule({ name: 'Bad', threshold: 5_000_000 }));
    expect(out).toMatchObject({ code: 'VALIDATION', fields: { threshold: expect.stringContaining('between 0 and 3,600,000 ms') } });
    const scope = await refused(admin, 'alerts.saveRule', rule({ name: 'Bad', metric: 'component_state' }));
    expect(scope.fields).toHaveProperty('scopeKind');
    const ghost = await refused(admin, 'alerts.saveRule', rule({ name: 'Bad', scopeKind: 'site', scopeId: '00000000-0000-4000-8000-000000000000' }));
    expect(ghost.fields).toHaveProperty('scopeId');
    const schema = await refused(admin, 'alerts.saveRule', rule({ name: 'Bad', threshold: 'high', comparison: '=>' }));
    expect(Object.keys(schema.fields ?? {}).sort()).toEqual(['comparison', 'threshold']);
    await call(admin, 'alerts.saveRule', rule({ name: 'Unique' }));
    expect((await refused(admin, 'alerts.saveRule', rule({ name: 'unique' }))).code).toBe('CONFLICT');
    expect((await refused(auditor, 'alerts.saveRule', rule({ name: 'Auditor rule' }))).code).toBe('FORBIDDEN');
    expect((await list()).rules.length).toBe(before + 1);
  });

  it('refuses to delete an unknown rule, a malformed call and an auditor, and every rule and alert stays', async () => {
    const kept = (await call<Response<'alerts.saveRule'>>(admin, 'alerts.saveRule', rule({ name: 'Kept', openIncident: false }))).rule;
    await latencyMinutes(60, 60, 1500);
    await evaluate(at(60 * 60 + 10));
    const stored = async () => {
      const l = await list();
      return { rules: l.rules, instances: l.instances, auditHead: (await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 1 })).headSeq };
    };
    const before = await stored();
    expect(before.instances.filter((i) => i.ruleId === kept.id).map((i) => i.state)).toEqual(['pending']);

    expect(await refused(admin, 'alerts.deleteRule', { id: '00000000-0000-4000-8000-000000000abc', reason: 'typo' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await stored()).toEqual(before);
    const malformed = await refused(admin, 'alerts.deleteRule', { id: 'Kept', reason: 'x' });
    expect(malformed.code).toBe('VALIDATION');
    expect(Object.keys(malformed.fields ?? {}).sort()).toEqual(['id', 'reason']);
    expect(await stored()).toEqual(before);
    expect(await refused(admin, 'alerts.deleteRule', { id: kept.id })).toMatchObject({ code: 'VALIDATION', fields: { reason: expect.any(String) } });
    expect(await stored()).toEqual(before);
    expect(await refused(admin, 'alerts.deleteRule', { id: kept.id, reason: 'tidy up', force: true })).toMatchObject({ code: 'VALIDATION', fields: { force: 'Unknown field.' } });
    expect(await stored()).toEqual(before);
    expect((await refused(auditor, 'alerts.deleteRule', { id: kept.id, reason: 'auditor tidy-up' })).code).toBe('FORBIDDEN');
    expect(await stored()).toEqual(before);
    await call(admin, 'alerts.deleteRule', { id: kept.id, reason: 'test over' });
  });

  it('installs the production readme defaults once per org, in the record as the app', async () => {
    const session = admin.db.session!;
    expect(await admin.db.tx(session, (sql) => ensureOpsDefaults(sql, session))).toBe(true);
    expect(await admin.db.tx(session, (sql) => ensureOpsDefaults(sql, session))).toBe(false);
    const names = (await list()).rules.map((r) => r.name);
    for (const r of DEFAULT_RULES) expect(names).toContain(r.name);
    const policies = (await call<Response<'escalation.list'>>(admin, 'escalation.list', {})).policies;
    expect(policies.map((p) => p.name)).toContain('Critical and high incidents');
    const audit = (await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 50 })).events.find((e) => e.action === 'ops.defaults_installed')!;
    expect(audit.actor).toEqual({ id: null, name: 'Mission Control', role: null });
    // Deleted defaults are the org's choice: they do not come back.
    const first = (await list()).rules.find((r) => r.name === DEFAULT_RULES[0]!.name)!;
    await call(admin, 'alerts.deleteRule', { id: first.id, reason: 'we watch nodes instead' });
    await admin.db.tx(session, (sql) => ensureOpsDefaults(sql, session));
    expect((await list()).rules.map((r) => r.name)).not.toContain(DEFAULT_RULES[0]!.name);
  });
});
