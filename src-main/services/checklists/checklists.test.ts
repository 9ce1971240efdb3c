import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { TEMPLATE_BY_KEY } from '../../../src-shared/domain/checklists';
import { asApp, appPool, asOwner, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
/** An attestation (migration 0031): a note of at least a sentence and a link with its sha256. */
const attest = (note: string, link = 'https://tickets.example.test/OPS-1') => ({ note, attachment: link, attachmentSha256: 'c'.repeat(64) });
type Core = Awaited<ReturnType<typeof coreOn>>;
type Run = Response<'checklists.get'>;

/** Every table a checklist or readiness command writes to. */
const TABLES = ['checklist_runs', 'checklist_items', 'corridors', 'sites', 'pilots', 'audit_events'] as const;

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

  /** The org's rows as stored (read as the owner, past RLS), in a stable order. */
  const stored = () =>
    asOwner(db, null, async (c) => {
      const out: Record<string, unknown[]> = {};
      for (const t of TABLES) out[t] = (await c.query(`SELECT to_jsonb(x) AS row FROM mc.${t} x WHERE x.org_id = $1 ORDER BY to_jsonb(x)::text`, [org.orgId])).rows.map((r) => r.row);
      return out;
    });

  /** A call that must be refused: its error, after checking that nothing stored was added, lost or changed. */
  async function refusedUnchanged(core: Core, channel: string, payload: unknown) {
    const before = await stored();
    expect(before.corridors?.length).toBeGreaterThan(0);
    const err = await refused(core, channel, payload);
    expect(await stored()).toEqual(before);
    return err;
  }

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'chk');
    grid = await seedGrid(db, org);
    // The corridor's node reports healthy figures, so its computed status is operational.
    await asOwner(db, org.orgId, (c) =>
      c.query(`INSERT INTO mc.node_latest (node_id, org_id, seen_at, p95_latency_ms, error_rate, gpu_temp_c, queue_depth) VALUES ($1, $2, now(), 200, 0.001, 60, 3)`, [grid.nodeId, org.orgId]),
    );
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
    // Daily item 2 is answered from the scores /observability computes; item 5 (usage) from the
    // newest reconciliation covering today, and with none (and no traffic) it says so and is a no.
    expect(item(run, 'scores').live?.summary).toMatch(/^Whole grid: health \d+, routing \d+, energy (\d+|—), security \d+; /);
    expect(item(run, 'usage').live).toMatchObject({ ok: false, summary: expect.stringMatching(/^No gateway traffic today yet/), record: { type: 'view', id: 'usage' } });
    expect(item(run, 'usage').proof.kind).toBe('live');
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
    await set(admin, run, 'rotate', 'done', { evidenceUrl: 'https://tickets.example/ROT-12', ...attest('Node keys and database passwords rotated today.') });
    // An operator who still sees version 1 of "rotate" is told someone else set it.
    const stale = await refused(operator, 'checklists.setItem', { itemId: item(run, 'rotate').id, status: 'failed', note: 'no', expectedVersion: item(run, 'rotate').version });
    expect(stale).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(org.admin.name) });
    run = await get(runId);
    await set(operator, run, 'access_logs', 'done', attest('Access logs reviewed, nothing unexpected found.'));
    await set(operator, run, 'capacity', 'failed', { note: 'EU at 91 % peak; order more nodes' });
    const last = await set(operator, run, 'runbooks', 'skipped', { note: 'No runbook changed this month' });
    expect(last.run).toMatchObject({ outcome: 'failed', completedAt: expect.any(String), progress: { complete: true, passed: false, failed: 1 } });
    expect(item(await get(runId), 'rotate')).toMatchObject({ evidenceUrl: 'https://tickets.example/ROT-12', setBy: { name: org.admin.name } });
    // Putting the failed item right, without reopening it, makes the complete run pass; when it
    // completed stays as it was.
    run = await get(runId);
    const fixed = await set(operator, run, 'capacity', 'done', attest('Six nodes ordered; EU back under 80 %'));
    expect(fixed.run).toMatchObject({ outcome: 'passed', completedAt: last.run.completedAt, progress: { complete: true, passed: true, failed: 0 } });
    expect((await get(runId)).run.outcome).toBe('passed');
    // Reopening an item reopens the run.
    run = await get(runId);
    const reopened = await set(operator, run, 'capacity', 'open');
    expect(reopened.run).toMatchObject({ completedAt: null, outcome: null });
  });

  it('lets an auditor read runs but tick nothing', async () => {
    const runId = (await call<Response<'checklists.start'>>(operator, 'checklists.start', { templateKey: 'weekly' })).run.id;
    const run = await get(runId, auditor);
    expect((await refusedUnchanged(auditor, 'checklists.setItem', { itemId: run.items[0]!.id, status: 'done', expectedVersion: 1 })).code).toBe('FORBIDDEN');
    expect((await refusedUnchanged(auditor, 'checklists.start', { templateKey: 'post_deployment' })).code).toBe('FORBIDDEN');
  });

  it('refuses to start a checklist for a missing, unknown or wrong kind of subject, naming the field, and stores nothing', async () => {
    const missing = await refusedUnchanged(operator, 'checklists.start', { templateKey: 'site_safety' });
    expect(missing).toMatchObject({ code: 'VALIDATION', message: 'Choose the site this is for.', fields: { subjectId: 'Choose a site.' } });
    const unknown = await refusedUnchanged(operator, 'checklists.start', { templateKey: 'site_safety', subjectId: '00000000-0000-4000-8000-000000000999' });
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That site does not exist in this org.', fields: { subjectId: 'Unknown site.' } });
    // A corridor is not a site.
    const corridor = await refusedUnchanged(operator, 'checklists.start', { templateKey: 'site_safety', subjectId: grid.corridorId });
    expect(corridor).toMatchObject({ code: 'NOT_FOUND', fields: { subjectId: 'Unknown site.' } });
    const orgWide = await refusedUnchanged(operator, 'checklists.start', { templateKey: 'daily', subjectId: grid.siteId });
    expect(orgWide).toMatchObject({ code: 'VALIDATION', fields: { subjectId: 'Leave empty.' } });
    const template = await refusedUnchanged(operator, 'checklists.start', { templateKey: 'hourly', subjectId: 'FRA-01' });
    expect(template).toMatchObject({ code: 'VALIDATION', fields: { templateKey: expect.any(String), subjectId: expect.any(String) } });
  });

  it('a site’s safety checklist sets the site’s safety state as it goes', async () => {
    const bad = await refusedUnchanged(operator, 'checklists.start', { templateKey: 'site_safety' });
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
      // Thermal has no temperature to answer from: the app cannot tell, so it is attested like the rest.
      await set(operator, run, i.key, 'done', attest('Checked on site with the site owner today.'));
    }
    expect(await safety()).toBe('passed');
  });

  it('a corridor cannot go ready while a gate is open, in the app and in the database', async () => {
    const noGates = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'corridor', subjectId: grid.corridorId, readiness: 'ready', reason: 'going live' });
    expect(noGates).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('has no go-live gates yet') });
    const prepared = (await call<Response<'readiness.prepare'>>(operator, 'readiness.prepare', { subjectType: 'corridor', subjectId: grid.corridorId })).subject;
    expect(prepared.progress).toMatchObject({ total: 10, open: 10 });
    expect(prepared.openGates[6]).toBe('Run failover drill and capture evidence.');
    const refusal = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'corridor', subjectId: grid.corridorId, readiness: 'ready', reason: 'going live' });
    expect(refusal.code).toBe('CONFLICT');
    expect(refusal.message).toContain('10 gates are open or failed: Connect two or three controlled commercial nodes in one corridor. Register node API keys');
    expect((await refusedUnchanged(operator, 'readiness.set', { subjectType: 'corridor', subjectId: grid.corridorId, readiness: 'ready', reason: 'going live' })).code).toBe('FORBIDDEN');

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

  it('refuses a readiness change to the same state, for an unknown subject or without a reason, and changes nothing', async () => {
    const { corridors, pilots } = await call<Response<'readiness.overview'>>(admin, 'readiness.overview', {});
    expect(corridors.find((c) => c.id === grid.corridorId)?.readiness).toBe('ready');
    const pilot = pilots.find((p) => p.name === 'Acme Bank')!;
    const same = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'corridor', subjectId: grid.corridorId, readiness: 'ready', reason: 'again' });
    expect(same).toMatchObject({ code: 'VALIDATION', message: 'EU is ready already.', fields: { readiness: 'Choose another state.' } });
    const openGates = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'pilot', subjectId: pilot.id, readiness: 'live', reason: 'customer asked' });
    expect(openGates).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^Acme Bank cannot be marked live while \d+ gates are open or failed/) });
    const unknown = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'corridor', subjectId: '00000000-0000-4000-8000-000000000999', readiness: 'preparing', reason: 'rollback' });
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That corridor does not exist in this org.' });
    // A pilot's id is not a corridor's.
    const wrongType = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'corridor', subjectId: pilot.id, readiness: 'ready', reason: 'mixed up' });
    expect(wrongType).toMatchObject({ code: 'NOT_FOUND' });
    const malformed = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'site', subjectId: grid.siteId, readiness: 'done', reason: 'ok' });
    expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { subjectType: expect.any(String), readiness: expect.any(String), reason: 'Say why.' } });
  });

  it('prepares gates once: asking again changes nothing, and bad subjects are refused with nothing stored', async () => {
    const pilot = (await call<Response<'readiness.overview'>>(admin, 'readiness.overview', {})).pilots.find((p) => p.name === 'Acme Bank')!;
    const before = await stored();
    const again = (await call<Response<'readiness.prepare'>>(operator, 'readiness.prepare', { subjectType: 'pilot', subjectId: pilot.id })).subject;
    expect(again).toEqual(pilot);
    expect(await stored()).toEqual(before);

    const unknown = await refusedUnchanged(operator, 'readiness.prepare', { subjectType: 'corridor', subjectId: '00000000-0000-4000-8000-000000000999' });
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That corridor does not exist in this org.', fields: { subjectId: 'Unknown corridor.' } });
    const wrongType = await refusedUnchanged(operator, 'readiness.prepare', { subjectType: 'pilot', subjectId: grid.corridorId });
    expect(wrongType).toMatchObject({ code: 'NOT_FOUND', fields: { subjectId: 'Unknown pilot.' } });
    const malformed = await refusedUnchanged(operator, 'readiness.prepare', { subjectType: 'site', subjectId: 'eu' });
    expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { subjectType: expect.any(String), subjectId: expect.any(String) } });
    expect((await refusedUnchanged(auditor, 'readiness.prepare', { subjectType: 'pilot', subjectId: pilot.id })).code).toBe('FORBIDDEN');
  });

  it('gives a gate an owner and takes it away, each audited', async () => {
    const pilot = (await call<Response<'readiness.overview'>>(admin, 'readiness.overview', {})).pilots.find((p) => p.name === 'Acme Bank')!;
    const gate = (await get(pilot.gateRunId!)).items[0]!;
    expect(gate.owner).toBeNull();
    const set = await call<Response<'checklists.setOwner'>>(operator, 'checklists.setOwner', { itemId: gate.id, ownerId: org.commander.operatorId, reason: 'drill lead' });
    expect(set.item).toMatchObject({ id: gate.id, owner: { id: org.commander.operatorId, name: org.commander.name }, status: gate.status, version: gate.version });
    const audit = await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 1 });
    expect(audit.events[0]).toMatchObject({ action: 'readiness.gate_owner_set', reason: 'drill lead', data: { item: gate.key, owner: { id: org.commander.operatorId } } });
    const cleared = await call<Response<'checklists.setOwner'>>(operator, 'checklists.setOwner', { itemId: gate.id, ownerId: null });
    expect(cleared.item.owner).toBeNull();
    expect((await get(pilot.gateRunId!)).items[0]!.owner).toBeNull();
  });

  it('refuses an owner who is not a member here, the same owner, an unknown item and an auditor, and changes nothing', async () => {
    const pilot = (await call<Response<'readiness.overview'>>(admin, 'readiness.overview', {})).pilots.find((p) => p.name === 'Acme Bank')!;
    const gate = (await get(pilot.gateRunId!)).items[1]!;
    await call(operator, 'checklists.setOwner', { itemId: gate.id, ownerId: org.operator.operatorId });
    const outsiderOrg = await createOrg(db, 'chk-outsider');
    const outsider = await refusedUnchanged(operator, 'checklists.setOwner', { itemId: gate.id, ownerId: outsiderOrg.admin.operatorId });
    expect(outsider).toMatchObject({ code: 'VALIDATION', message: 'That person is not a member of this org.', fields: { ownerId: 'Choose a member of this org.' } });
    const nobody = await refusedUnchanged(operator, 'checklists.setOwner', { itemId: gate.id, ownerId: '00000000-0000-4000-8000-000000000999' });
    expect(nobody).toMatchObject({ code: 'VALIDATION', fields: { ownerId: 'Choose a member of this org.' } });
    const same = await refusedUnchanged(operator, 'checklists.setOwner', { itemId: gate.id, ownerId: org.operator.operatorId });
    expect(same).toMatchObject({ code: 'VALIDATION', message: 'That is the owner already.', fields: { ownerId: 'Choose someone else.' } });
    const unowned = (await get(pilot.gateRunId!)).items[2]!;
    expect(unowned.owner).toBeNull();
    const noneAlready = await refusedUnchanged(operator, 'checklists.setOwner', { itemId: unowned.id, ownerId: null });
    expect(noneAlready).toMatchObject({ code: 'VALIDATION', message: 'This item has no owner to take away.', fields: { ownerId: 'Choose someone.' } });
    const unknown = await refusedUnchanged(operator, 'checklists.setOwner', { itemId: '00000000-0000-4000-8000-000000000999', ownerId: org.operator.operatorId });
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'That checklist item does not exist in this org.' });
    const malformed = await refusedUnchanged(operator, 'checklists.setOwner', { itemId: gate.id, ownerId: org.operator.email });
    expect(malformed).toMatchObject({ code: 'VALIDATION', fields: { ownerId: expect.any(String) } });
    const omitted = await refusedUnchanged(operator, 'checklists.setOwner', { itemId: gate.id });
    expect(omitted).toMatchObject({ code: 'VALIDATION', fields: { ownerId: expect.any(String) } });
    expect((await refusedUnchanged(auditor, 'checklists.setOwner', { itemId: gate.id, ownerId: org.auditor.operatorId })).code).toBe('FORBIDDEN');
    expect((await get(pilot.gateRunId!)).items[1]!.owner).toMatchObject({ id: org.operator.operatorId });
  });
});
