/**
 * Runbooks through the contract on a real Postgres: the five built-ins installed from the repo's
 * files, an edit that makes version 2 with its audit event, restore, every bad save refused with
 * nothing stored changed, a runbook followed from an incident with its steps on the timeline, and
 * each live fact computed from seeded records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { Fact, RunbookDetail, RunbookRun } from '../../../src-shared/contract/runbooks';
import { asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { unchangedOn } from '../../testing/unchanged';
import { needKeychain } from '../../testing/keychain-gate';
import { systemRecorder } from '../org';
import { BUILTIN_KEYS, builtinRunbooks } from './builtin';
import { ensureRunbooks } from './edit';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
const TABLES = ['runbooks', 'runbook_versions', 'runbook_runs', 'runbook_step_records', 'incident_events', 'audit_events'];

describe.skipIf(!ok)('runbooks end to end', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Core;
  let operator: Core;
  let auditor: Core;

  /** Refused by the service, with nothing stored added, lost or changed. */
  const { refusedUnchanged } = unchangedOn(() => db, () => org.orgId, TABLES);
  const list = () => call<Response<'runbooks.list'>>(auditor, 'runbooks.list', {}).then((r) => r.runbooks);
  const byKey = async (key: string) => (await list()).find((r) => r.key === key)!;
  const get = (runbookId: string, version?: number) => call<{ runbook: RunbookDetail }>(auditor, 'runbooks.get', { runbookId, ...(version ? { version } : {}) }).then((r) => r.runbook);
  const actions = (target: string) =>
    asOwner(db, org.orgId, async (c) => (await c.query<{ action: string; data: Record<string, unknown> }>('SELECT action, data FROM mc.audit_events WHERE org_id = $1 AND target_id = $2 ORDER BY seq', [org.orgId, target])).rows);

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'runbooks');
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    for (const c of [admin, operator, auditor]) await c?.cleanup();
    await db?.drop();
  });

  it('installs the five built-in runbooks from the repo’s files once, as the app, on a writer’s workstation', async () => {
    expect(await list()).toEqual([]);
    const session = operator.db.session!;
    const install = () => operator.db.tx(session, (sql) => ensureRunbooks(sql, systemRecorder(sql, session, 'Mission Control'), builtinRunbooks()));
    expect((await install()).sort()).toEqual([...BUILTIN_KEYS].sort());
    expect(await install()).toEqual([]);
    const rows = await list();
    expect(rows.map((r) => r.title).sort()).toEqual(['Data loss', 'Database connection pool exhausted', 'High queue backlog', 'Security breach', 'System down']);
    for (const r of rows) expect(r).toMatchObject({ builtin: true, version: 1, updatedBy: 'Mission Control', steps: expect.any(Number) });
    expect(rows.every((r) => r.steps >= 4)).toBe(true);
    const down = await get((await byKey('system-down')).id);
    expect(down.stepList.map((s) => s.id)).toEqual(['check-status', 'review-changes', 'rollback', 'notify']);
    expect(down.stepList[2]).toMatchObject({ facts: ['recent-changes'], action: { view: 'deployments', label: 'Roll back the last deployment' } });
    const breach = await get((await byKey('security-breach')).id);
    expect(breach.stepList.find((s) => s.id === 'rotate')!.action).toEqual({ view: 'credentials', label: 'Rotate all credentials' });
    const loss = await get((await byKey('data-loss')).id);
    expect(loss.stepList.find((s) => s.id === 'restore')).toMatchObject({ facts: ['backups'], action: { view: 'backups' } });
    expect(await actions(down.id)).toEqual([{ action: 'runbooks.installed', data: { key: 'system-down', title: 'System down', version: 1, steps: 4 } }]);
  });

  it('an admin’s edit is version 2 with its audit event; the old version stays readable and can be restored as version 3', async () => {
    const rb = await byKey('db-pool-exhausted');
    const v1 = await get(rb.id);
    const body = v1.body.replace('## Step kill: Kill hanging transactions if safe', '## Step kill: Kill hanging transactions if safe\n@facts pool');
    const saved = (await call<{ runbook: RunbookDetail }>(admin, 'runbooks.save', { runbookId: rb.id, body, baseVersion: 1, reason: 'show the pool on the kill step' })).runbook;
    expect(saved).toMatchObject({ version: 2, shownVersion: 2, body, updatedBy: org.admin.name });
    expect(saved.stepList.find((s) => s.id === 'kill')!.facts).toEqual(['pool']);
    expect(saved.versions.map((v) => [v.version, v.createdBy])).toEqual([
      [2, org.admin.name],
      [1, 'Mission Control'],
    ]);
    const audit = (await actions(rb.id)).at(-1)!;
    expect(audit).toEqual({ action: 'runbooks.saved', data: { title: 'Database connection pool exhausted', from: 1, version: 2, steps: 5 } });
    expect((await get(rb.id, 1)).body).toBe(v1.body);
    // Saving the same text again changes nothing and needs no audit event.
    const again = (await call<{ runbook: RunbookDetail }>(admin, 'runbooks.save', { runbookId: rb.id, body, baseVersion: 2 })).runbook;
    expect(again.version).toBe(2);
    const restored = (await call<{ runbook: RunbookDetail }>(admin, 'runbooks.restore', { runbookId: rb.id, version: 1, baseVersion: 2, reason: 'back to the shipped text' })).runbook;
    expect(restored).toMatchObject({ version: 3, body: v1.body });
    expect(restored.versions[0]).toMatchObject({ version: 3, restoredFrom: 1 });
    expect((await actions(rb.id)).at(-1)).toMatchObject({ action: 'runbooks.restored', data: { from: 2, version: 3, restoredFrom: 1 } });
  });

  it('refuses bad step markers, stale saves, oversize text and the wrong role, storing nothing', async () => {
    const rb = await byKey('high-queue-backlog');
    const { body, version } = await get(rb.id);
    const save = (b: string, baseVersion = version) => ({ runbookId: rb.id, body: b, baseVersion });
    expect(await refusedUnchanged(admin, 'runbooks.save', save(body.replace('## Step workers:', '## Step Workers!')))).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('A step marker reads “## Step <id>: <title>”'),
    });
    expect(await refusedUnchanged(admin, 'runbooks.save', save(body.replace('@facts queue, status', '@facts queue, weather')))).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('Unknown fact “weather”'),
    });
    expect(await refusedUnchanged(admin, 'runbooks.save', save(body.replace('@action usage: Open Usage', '@action mainframe: Open it')))).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('Unknown view “mainframe”'),
    });
    expect(await refusedUnchanged(admin, 'runbooks.save', save(`@facts status\n${body}`))).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('line 1') });
    expect(await refusedUnchanged(admin, 'runbooks.save', save('# No steps\n\nJust text.'))).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('at least one step') });
    expect(await refusedUnchanged(admin, 'runbooks.save', save(`${body}\n${'x'.repeat(70_000)}`))).toMatchObject({ code: 'VALIDATION', fields: { body: expect.stringContaining('64 KiB') } });
    expect(await refusedUnchanged(admin, 'runbooks.save', save(`${body}\nMore.`, version + 5))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('reload it') });
    expect(await refusedUnchanged(operator, 'runbooks.save', save(`${body}\nMore.`))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusedUnchanged(auditor, 'runbooks.restore', { runbookId: rb.id, version: 1, baseVersion: version })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusedUnchanged(admin, 'runbooks.restore', { runbookId: rb.id, version: 9, baseVersion: version })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusedUnchanged(admin, 'runbooks.save', { runbookId: '6f1c3a52-0000-4000-8000-000000000000', body, baseVersion: 1 })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('computes each fact from seeded records, the backup fact from the org’s backup and drill records', async () => {
    const [routing] = await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }]);
    await call(admin, 'status.setState', { componentId: routing, state: 'major_outage', reason: 'Router refuses every request' });
    await asOwner(db, org.orgId, (c) => c.query(`INSERT INTO mc.change_events (org_id, kind, message) VALUES ($1, 'flag.changed', 'Flag new-router turned on')`, [org.orgId]));
    const session = admin.db.session!;
    await admin.db.tx(session, (sql) => systemRecorder(sql, session, 'Sign-in').audit({ action: 'identity.sign_in_refused', target: { type: 'operator', id: org.admin.operatorId }, data: {} }));
    const facts = (await call<{ facts: Fact[] }>(auditor, 'runbooks.facts', { names: ['status', 'recent-changes', 'pool', 'queue', 'access-log', 'backups'] })).facts;
    const f = Object.fromEntries(facts.map((x) => [x.name, x]));
    expect(f.status).toMatchObject({ level: 'bad', summary: '1 of 1 components not operational.', lines: ['Routing: Major outage (declared)'] });
    expect(f['recent-changes']).toMatchObject({ level: 'warn', lines: [expect.stringMatching(/Flag changed: Flag new-router turned on$/)] });
    expect(f.pool!.summary).toMatch(/^\d+ of \d+ connections in use \(\d+%\)\.$/);
    expect(f.queue).toMatchObject({ level: 'ok', summary: 'No telemetry batch waiting in the ingest queue.' });
    expect(f['access-log']).toMatchObject({ level: 'warn', lines: [expect.stringMatching(/identity\.sign_in_refused · Sign-in$/)] });
    expect(f.backups).toMatchObject({ level: 'bad', view: 'backups', lines: ['No backup recorded.', 'No restore drill recorded: nothing proves a backup restores.'] });
    expect(f.backups!.summary).toContain('there is nothing to restore from');
    // A backup without a drill is a warning; with a passed drill this week it is fine.
    const backupId = await asOwner(db, org.orgId, async (c) => {
      const seq = `(SELECT max(seq) FROM mc.audit_events WHERE org_id = $1)`;
      const b = await c.query<{ id: string }>(
        `INSERT INTO mc.backups (org_id, format, format_reason, file_path, size_bytes, sha256, server_version, migration_level, tables, audit_events, trigger, duration_ms, audit_seq)
         VALUES ($1, 'pg_dump_custom', 'pg_dump 15', '/backups/a.dump', 10, repeat('a', 64), 'PostgreSQL 15', '0057', '[]', 0, 'manual', 5, ${seq}) RETURNING id`,
        [org.orgId],
      );
      return b.rows[0]!.id;
    });
    const backupFact = async () => (await call<{ facts: Fact[] }>(auditor, 'runbooks.facts', { names: ['backups'] })).facts[0]!;
    expect(await backupFact()).toMatchObject({ level: 'warn', lines: [expect.stringMatching(/^Last backup .* \(0 h ago, pg_dump -Fc\); 1 kept$/), expect.stringMatching(/^No restore drill/)] });
    await asOwner(db, org.orgId, async (c) => {
      const seq = `(SELECT max(seq) FROM mc.audit_events WHERE org_id = $1)`;
      const e = await c.query<{ id: string }>(`INSERT INTO mc.evidence_records (org_id, kind, title, subject_type, outcome, audit_seq) VALUES ($1, 'restore_drill', 'Drill', 'org', 'passed', ${seq}) RETURNING id`, [org.orgId]);
      await c.query(
        `INSERT INTO mc.restore_drills (org_id, backup_id, ok, counts_ok, chain_ok, chain_message, tables, scratch, started_at, duration_ms, evidence_id, audit_seq)
         VALUES ($1, $2, true, true, true, 'ok', '[]', 'embedded', now(), 4200, $3, ${seq})`,
        [org.orgId, backupId, e.rows[0]!.id],
      );
    });
    expect(await backupFact()).toMatchObject({ level: 'ok', lines: [expect.any(String), expect.stringMatching(/^Last restore drill .*: passed in 4 s$/)] });
    expect(await refused(auditor, 'runbooks.facts', { names: ['weather'] })).toMatchObject({ code: 'VALIDATION' });
  });

  it('follows a runbook from an incident: the run names its version, and each step lands on the timeline with the facts as seen', async () => {
    const rb = await byKey('system-down');
    const { incident } = await call<Response<'incidents.create'>>(operator, 'incidents.create', { title: 'EU corridor serves nothing', severity: 'critical' });
    const followed = (await call<{ run: RunbookRun }>(operator, 'runbooks.follow', { incidentId: incident.id, runbookId: rb.id })).run;
    expect(followed).toMatchObject({ runbookId: rb.id, title: 'System down', version: 1, incidentId: incident.id, startedBy: org.operator.name, records: [] });
    expect(await refusedUnchanged(auditor, 'runbooks.follow', { incidentId: incident.id, runbookId: rb.id })).toMatchObject({ code: 'FORBIDDEN' });

    const step = (payload: Record<string, unknown>) => call<{ run: RunbookRun }>(operator, 'runbooks.recordStep', { runId: followed.id, ...payload }).then((r) => r.run);
    const done = await step({ stepId: 'check-status', outcome: 'done' });
    expect(done.records).toEqual([
      { stepId: 'check-status', outcome: 'done', reason: null, facts: [expect.objectContaining({ name: 'status', level: 'bad', lines: ['Routing: Major outage (declared)'] })], at: expect.any(String), actor: org.operator.name, auditSeq: expect.any(Number) },
    ]);
    expect(await refusedUnchanged(operator, 'runbooks.recordStep', { runId: followed.id, stepId: 'review-changes', outcome: 'skipped' })).toMatchObject({ code: 'VALIDATION', fields: { reason: 'Required to skip a step.' } });
    expect(await refusedUnchanged(operator, 'runbooks.recordStep', { runId: followed.id, stepId: 'check-status', outcome: 'done' })).toMatchObject({ code: 'CONFLICT' });
    expect(await refusedUnchanged(operator, 'runbooks.recordStep', { runId: followed.id, stepId: 'no-such-step', outcome: 'done' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusedUnchanged(operator, 'runbooks.recordStep', { runId: followed.id, stepId: 'Bad Id', outcome: 'done' })).toMatchObject({ code: 'VALIDATION' });
    const skipped = await step({ stepId: 'review-changes', outcome: 'skipped', reason: 'No change today: the flag was turned on last week' });
    expect(skipped.records[1]).toMatchObject({ stepId: 'review-changes', outcome: 'skipped', reason: 'No change today: the flag was turned on last week' });

    // An edit after following does not change what the run follows.
    const v1 = await get(rb.id);
    await call(admin, 'runbooks.save', { runbookId: rb.id, body: v1.body.replace('## Step notify: Notify stakeholders', '## Step notify: Notify stakeholders and customers'), baseVersion: 1 });
    const runs = (await call<Response<'runbooks.runs'>>(auditor, 'runbooks.runs', { incidentId: incident.id })).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ version: 1, currentVersion: 2 });
    expect(runs[0]!.steps.find((s) => s.id === 'notify')!.title).toBe('Notify stakeholders');

    const timeline = (await call<Response<'incidents.get'>>(auditor, 'incidents.get', { incidentId: incident.id })).timeline;
    const mine = timeline.filter((e) => e.kind === 'runbook_followed' || e.kind === 'runbook_step');
    expect(mine.map((e) => [e.kind, e.data.step ?? e.data.runbook, e.data.outcome ?? null, e.actor.name, e.body])).toEqual([
      ['runbook_followed', 'System down', null, org.operator.name, null],
      ['runbook_step', 'Check component status', 'done', org.operator.name, null],
      ['runbook_step', 'Review recent changes', 'skipped', org.operator.name, 'No change today: the flag was turned on last week'],
    ]);
    expect(mine[0]!.data).toMatchObject({ runbookId: rb.id, version: 1 });
    expect(mine[1]!.data.facts).toEqual([expect.objectContaining({ name: 'status', level: 'bad', summary: '1 of 1 components not operational.' })]);
    expect(mine[1]!.auditSeq).toBe(done.records[0]!.auditSeq);
  });

  it('refuses to follow a runbook from a closed incident or an unknown one', async () => {
    const rb = await byKey('data-loss');
    expect(await refusedUnchanged(operator, 'runbooks.follow', { incidentId: '6f1c3a52-0000-4000-8000-000000000000', runbookId: rb.id })).toMatchObject({ code: 'NOT_FOUND' });
    const { incident } = await call<Response<'incidents.create'>>(operator, 'incidents.create', { title: 'Wrong alarm', severity: 'low' });
    await call(admin, 'incidents.transition', { incidentId: incident.id, to: 'declined', expectedState: 'triage', reason: 'Not an incident after all' });
    expect(await refusedUnchanged(operator, 'runbooks.follow', { incidentId: incident.id, runbookId: rb.id })).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('declined') });
  });

  it('counts a component with no state recorded apart from those not operational', async () => {
    // Routing is in major outage (declared above); a new component has no state recorded at all.
    await seedComponents(db, org.orgId, [{ key: 'ollama', name: 'Ollama runtimes', kind: 'runtime' }]);
    const f = (await call<{ facts: Fact[] }>(auditor, 'runbooks.facts', { names: ['status'] })).facts[0]!;
    // Before, it read "2 of 2 components not operational": no record said it was down.
    expect(f).toMatchObject({ level: 'bad', summary: '1 of 2 components not operational; 1 with no state known.' });
    expect(f.lines).toEqual(['Routing: Major outage (declared)', 'Ollama runtimes: no state known (none)']);
  });
});
