import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { TEMPLATE_BY_KEY } from '../../../src-shared/domain/checklists';
import { asApp, appPool, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Run = Response<'checklists.get'>;

describe.skipIf(!ok)('checklists and readiness gates', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let admin: Core;
  let operator: Core;
  let auditor: Core;
  let routing: string;

  const get = (runId: string, core: Core = admin) => call<Run>(core, 'checklists.get', { runId });
  const item = (run: Run, key: string) => run.items.find((i) => i.key === key)!;
  const set = (core: Core, run: Run, key: string, status: string, extra: Record<string, unknown> = {}) =>
    call<Response<'checklists.setItem'>>(core, 'checklists.setItem', { itemId: item(run, key).id, status, expectedVersion: item(run, key).version, ...extra });

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'chk');
    grid = await seedGrid(db, org);
    routing = (await seedComponents(db, org.orgId, [{ key: 'routing', name: 'Routing', kind: 'routing' }]))[0]!;
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
  });
  afterAll(async () => {
    for (const c of [admin, operator, auditor]) await c?.cleanup();
    await db?.drop();
  });

  it('starts today’s daily checklist once: the six steps of the production guide, with live answers where the app can tell', async () => {
    const first = await call<Response<'checklists.start'>>(operator, 'checklists.start', { templateKey: 'daily' });
    expect(first.created).toBe(true);
    expect(first.run.period).toBe(new Date().toISOString().slice(0, 10));
    const auditBefore = (await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 1 })).headSeq;
    const again = await call<Response<'checklists.start'>>(admin, 'checklists.start', { templateKey: 'daily' });
    expect(again).toMatchObject({ created: false, run: { id: first.run.id } });
    expect((await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 1 })).headSeq).toBe(auditBefore);
    const run = await get(first.run.id);
    expect(run.items.map((i) => i.text)).toEqual(TEMPLATE_BY_KEY.get('daily')!.items.map((i) => i.text));
    expect(item(run, 'status').live).toMatchObject({ ok: true, summary: 'No component is at partial or major outage.' });
    expect(item(run, 'incidents').live?.ok).toBe(true);
    expect(item(run, 'scores').live).toBeNull();
    const list = await call<Response<'checklists.list'>>(admin, 'checklists.list', {});
    expect(list.current.daily).toBe(first.run.id);
  });

  it('refuses "done" while the live check says otherwise, and keeps what the check said when it is done', async () => {
    const runId = (await call<Response<'checklists.start'>>(operator, 'checklists.start', { templateKey: 'daily' })).run.id;
    await call(admin, 'status.setState', { componentId: routing, state: 'major_outage', reason: 'router down' });
    let run = await get(runId);
    expect(item(run, 'status').live).toMatchObject({ ok: false, summary: 'Routing (major outage).' });
    const e = await refused(operator, 'checklists.setItem', { itemId: item(run, 'status').id, status: 'done', expectedVersion: item(run, 'status').version });
    expect(e).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('The live check says: Routing (major outage).') });
    expect(item(await get(runId), 'status').status).toBe('open');
    await call(admin, 'status.setState', { componentId: routing, state: 'operational', reason: 'router back' });
    run = await get(runId);
    const done = await set(operator, run, 'status', 'done', { note: 'All green at 08:00' });
    expect(done.item).toMatchObject({ status: 'done', setBy: { name: org.operator.name }, note: 'All green at 08:00', recordedAnswer: { ok: true } });
    expect(done.run.progress).toMatchObject({ done: 1, open: 5, complete: false });
  });

  it('needs a note to fail or skip an item, refuses a stale tick, and completes the run when nothing is open', async () => {
    const runId = (await call<Response<'checklists.start'>>(operator, 'checklists.start', { templateKey: 'monthly' })).run.id;
    let run = await get(runId);
    const noNote = await refused(operator, 'checklists.setItem', { itemId: item(run, 'capacity').id, status: 'skipped', expectedVersion: item(run, 'capacity').version });
    expect(noNote).toMatchObject({ code: 'VALIDATION', fields: { note: expect.any(String) } });
    const badUrl = await refused(operator, 'checklists.setItem', { itemId: item(run, 'capacity').id, status: 'done', evidenceUrl: 'file:///etc/passwd', expectedVersion: item(run, 'capacity').version });
    expect(badUrl.fields).toHaveProperty('evidenceUrl');
    await set(operator, run, 'security_audit', 'done', { evidenceRef: item(run, 'security_audit').live!.record });
    await set(admin, run, 'rotate', 'done', { evidenceUrl: 'https://tickets.example/ROT-12' });
    // An operator who still sees version 1 of "rotate" is told someone else set it.
    const stale = await refused(operator, 'checklists.setItem', { itemId: item(run, 'rotate').id, status: 'failed', note: 'no', expectedVersion: item(run, 'rotate').version });
    expect(stale).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(org.admin.name) });
    run = await get(runId);
    await set(operator, run, 'access_logs', 'done');
    await set(operator, run, 'capacity', 'failed', { note: 'EU at 91 % peak; order more nodes' });
    const last = await set(operator, run, 'runbooks', 'skipped', { note: 'No runbook changed this month' });
    expect(last.run).toMatchObject({ outcome: 'failed', completedAt: expect.any(String), progress: { complete: true, passed: false, failed: 1 } });
    expect(item(await get(runId), 'rotate')).toMatchObject({ evidenceUrl: 'https://tickets.example/ROT-12', setBy: { name: org.admin.name } });
    // Reopening an item reopens the run.
    run = await get(runId);
    const reopened = await set(operator, run, 'capacity', 'open');
    expect(reopened.run).toMatchObject({ completedAt: null, outcome: null });
  });

  it('lets an auditor read runs but tick nothing', async () => {
    const runId = (await call<Response<'checklists.start'>>(operator, 'checklists.start', { templateKey: 'weekly' })).run.id;
    const run = await get(runId, auditor);
    expect((await refused(auditor, 'checklists.setItem', { itemId: run.items[0]!.id, status: 'done', expectedVersion: 1 })).code).toBe('FORBIDDEN');
    expect((await refused(auditor, 'checklists.start', { templateKey: 'post_deployment' })).code).toBe('FORBIDDEN');
  });

  it('a site’s safety checklist sets the site’s safety state as it goes', async () => {
    const bad = await refused(operator, 'checklists.start', { templateKey: 'site_safety' });
    expect(bad.fields).toHaveProperty('subjectId');
    const runId = (await call<Response<'checklists.start'>>(operator, 'checklists.start', { templateKey: 'site_safety', subjectId: grid.siteId })).run.id;
    const safety = async () => (await call<Response<'grid.overview'>>(admin, 'grid.overview', {})).sites.find((s) => s.id === grid.siteId)!.safetyChecklist;
    expect(await safety()).toBe('in_progress');
    let run = await get(runId);
    expect(run.run.title).toBe('Site safety checklist: FRA-01');
    // No GPU temperature from this site: the app cannot tell, a person must.
    expect(item(run, 'thermal').live).toMatchObject({ ok: null });
    for (const i of run.items) {
      run = await get(runId);
      await set(operator, run, i.key, 'done', { note: 'checked on site' });
    }
    expect(await safety()).toBe('passed');
  });

  it('a corridor cannot go ready while a gate is open, in the app and in the database', async () => {
    expect((await refused(admin, 'readiness.set', { subjectType: 'corridor', subjectId: grid.corridorId, readiness: 'ready', reason: 'going live' })).message).toContain('has no go-live gates yet');
    const prepared = (await call<Response<'readiness.prepare'>>(operator, 'readiness.prepare', { subjectType: 'corridor', subjectId: grid.corridorId })).subject;
    expect(prepared.progress).toMatchObject({ total: 10, open: 10 });
    expect(prepared.openGates[6]).toBe('Run failover drill and capture evidence.');
    const refusal = await refused(admin, 'readiness.set', { subjectType: 'corridor', subjectId: grid.corridorId, readiness: 'ready', reason: 'going live' });
    expect(refusal.code).toBe('CONFLICT');
    expect(refusal.message).toContain('10 gates are open or failed: Connect two or three controlled commercial nodes in one corridor. Register node API keys');
    expect((await refused(operator, 'readiness.set', { subjectType: 'corridor', subjectId: grid.corridorId, readiness: 'ready', reason: 'going live' })).code).toBe('FORBIDDEN');

    // The database refuses it too, whoever asks.
    const pool = await appPool(db);
    try {
      const err = await asApp(pool, org.admin, (sql) => sql.query(`UPDATE mc.corridors SET readiness = 'ready' WHERE id = $1`, [grid.corridorId])).catch((e: { message?: string }) => e);
      expect((err as { message?: string }).message).toMatch(/^Cannot mark it ready: gates still open: /);
    } finally {
      await pool.end();
    }

    let run = await get(prepared.gateRunId!);
    const drill = item(run, 'drill');
    expect(drill.live).toMatchObject({ ok: false, summary: 'No failover drill affecting this corridor has been run to resolution.' });
    expect((await refused(admin, 'checklists.setItem', { itemId: drill.id, status: 'done', expectedVersion: drill.version })).code).toBe('VALIDATION');
    await call(admin, 'checklists.setOwner', { itemId: drill.id, ownerId: org.commander.operatorId });
    for (const g of run.items) {
      run = await get(prepared.gateRunId!);
      await set(admin, run, g.key, 'skipped', { note: 'waived for the test corridor' });
    }
    const ready = (await call<Response<'readiness.set'>>(admin, 'readiness.set', { subjectType: 'corridor', subjectId: grid.corridorId, readiness: 'ready', reason: 'all gates waived' })).subject;
    expect(ready).toMatchObject({ readiness: 'ready', openGates: [], progress: { complete: true, passed: true } });
    expect(item(await get(prepared.gateRunId!), 'drill').owner?.name).toBe(org.commander.name);
  });

  it('a customer pilot comes with its acceptance gates', async () => {
    const pilot = (await call<Response<'readiness.createPilot'>>(operator, 'readiness.createPilot', { customerName: 'Acme Bank', tier: 'sovereign', corridorId: grid.corridorId, ownerId: org.operator.operatorId })).subject;
    expect(pilot).toMatchObject({ subjectType: 'pilot', name: 'Acme Bank', detail: 'Sovereign · EU', readiness: 'preparing', owner: { name: org.operator.name }, progress: { total: 9 } });
    const run = await get(pilot.gateRunId!);
    expect(item(run, 'site_node').live?.ok).toBe(true);
    expect(item(run, 'invalid_key').live).toMatchObject({ ok: false, summary: expect.stringContaining('No telemetry validation record for a node of this corridor yet') });
    expect((await refused(operator, 'readiness.createPilot', { customerName: 'acme bank', corridorId: grid.corridorId })).code).toBe('CONFLICT');
    expect((await refused(operator, 'readiness.createPilot', { customerName: 'X', corridorId: grid.corridorId })).fields).toHaveProperty('customerName');
    const overview = await call<Response<'readiness.overview'>>(admin, 'readiness.overview', {});
    expect(overview.pilots.map((p) => p.name)).toEqual(['Acme Bank']);
  });
});
