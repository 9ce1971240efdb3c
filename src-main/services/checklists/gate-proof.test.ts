import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, type TestGrid } from '../../testing/grid';
import { call, coreOn } from '../../testing/harness';
import { unchangedOn } from '../../testing/unchanged';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Run = Response<'checklists.get'>;

/** Every table a gate, checklist or readiness change writes to. */
const TABLES = ['checklist_runs', 'checklist_items', 'corridors', 'sites', 'pilots', 'audit_events'] as const;

describe.skipIf(!ok)('gates and checklist items need their proof', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let eu: TestGrid;
  let apac: { corridorId: string; siteId: string; nodeId: string };
  let admin: Core;
  let operator: Core;
  let pool: pg.Pool;
  let dir: string;
  let pilotId: string;
  let pilotRun: string;
  // Its go-live gates hold the attestations the tests use ('OAuth login works' is a live check now).
  let corridorRun: string;

  const get = (runId: string) => call<Run>(admin, 'checklists.get', { runId });
  const item = async (runId: string, key: string) => (await get(runId)).items.find((i) => i.key === key)!;
  const set = async (core: Core, runId: string, key: string, status: string, extra: Record<string, unknown> = {}) => {
    const i = await item(runId, key);
    return { itemId: i.id, status, expectedVersion: i.version, ...extra };
  };

  /** Refused by the service, with nothing stored added, lost or changed. */
  const { stored, refusedUnchanged } = unchangedOn(() => db, () => org.orgId, TABLES);

  /** Refused by the database, for a writer that is not the app's service, with nothing changed. */
  async function dbRefusesUnchanged(who: TestOrg['admin'], statement: string, params: unknown[]): Promise<string> {
    const before = await stored();
    const err = await asApp(pool, who, (sql) => sql.query(statement, params)).then(
      () => null,
      (e: { message?: string }) => e,
    );
    expect(err).not.toBeNull();
    expect(await stored()).toEqual(before);
    return (err as { message?: string }).message ?? '';
  }

  async function evidence(kind: string, nodeId: string, data: Record<string, unknown>, outcome = 'passed'): Promise<string> {
    return asOwner(db, org.orgId, async (c) => {
      const seq = (await c.query<{ seq: string }>('SELECT max(seq) AS seq FROM mc.audit_events WHERE org_id = $1', [org.orgId])).rows[0]!.seq;
      return (
        await c.query<{ id: string }>(
          `INSERT INTO mc.evidence_records (org_id, kind, title, subject_type, subject_id, outcome, data, audit_seq) VALUES ($1, $2, $3, 'node', $4, $5, $6, $7) RETURNING id`,
          [org.orgId, kind, `${kind} of ${nodeId.slice(0, 8)}`, nodeId, outcome, JSON.stringify(data), seq],
        )
      ).rows[0]!.id;
    });
  }

  async function drill(number: number, corridorId: string, isDrill = true): Promise<string> {
    return asOwner(db, org.orgId, async (c) => {
      const id = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.incidents (org_id, number, title, severity, state, drill, opened_by_name, resolved_at) VALUES ($1, $2, $3, 'high', 'resolved', $4, 'test', now()) RETURNING id`,
          [org.orgId, number, `Failover drill ${number}`, isDrill],
        )
      ).rows[0]!.id;
      await c.query(`INSERT INTO mc.incident_affected (org_id, incident_id, kind, target_id) VALUES ($1, $2, 'corridor', $3)`, [org.orgId, id, corridorId]);
      // Acknowledged before it was resolved: the lifecycle the pilot gate asks about.
      await c.query(
        `INSERT INTO mc.incident_events (org_id, incident_id, kind, actor_name, audit_seq) VALUES ($1, $2, 'acknowledged', 'test', (SELECT max(seq) FROM mc.audit_events WHERE org_id = $1))`,
        [org.orgId, id],
      );
      return id;
    });
  }

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'proof');
    eu = await seedGrid(db, org);
    apac = await asOwner(db, org.orgId, async (c) => {
      const corridorId = (await c.query<{ id: string }>(`INSERT INTO mc.corridors (org_id, key, name, region, allowed_countries, blocked_countries) VALUES ($1, 'apac', 'APAC', 'apac', '{SG}', '{}') RETURNING id`, [org.orgId])).rows[0]!.id;
      const siteId = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.sites (org_id, corridor_id, key, name, kind, country, latitude, longitude, owner_name) VALUES ($1, $2, 'sin-01', 'SIN-01', 'colocation', 'SG', 1.3, 103.8, 'Demo') RETURNING id`,
          [org.orgId, corridorId],
        )
      ).rows[0]!.id;
      const groupId = (await c.query<{ id: string }>(`INSERT INTO mc.node_groups (org_id, site_id, key, name) VALUES ($1, $2, 'pool-s', 'Pool S') RETURNING id`, [org.orgId, siteId])).rows[0]!.id;
      const nodeId = (
        await c.query<{ id: string }>(
          `INSERT INTO mc.nodes (org_id, site_id, node_group_id, hostname, runtime_group, gpu_model, gpu_count, gpu_memory_gb, capacity_tokens_per_s, lifecycle)
           VALUES ($1, $2, $3, 'sin-01-gpu01', 'vllm', 'H100 80GB', 8, 640, 20000, 'active') RETURNING id`,
          [org.orgId, siteId, groupId],
        )
      ).rows[0]!.id;
      return { corridorId, siteId, nodeId };
    });
    admin = await coreOn(db, org.admin.email);
    operator = await coreOn(db, org.operator.email);
    pool = await appPool(db);
    dir = await mkdtemp(join(tmpdir(), 'mc-proof-'));
    const pilot = (await call<Response<'readiness.createPilot'>>(operator, 'readiness.createPilot', { customerName: 'Kenya Health', tier: 'pilot', corridorId: eu.corridorId })).subject;
    pilotId = pilot.id;
    pilotRun = pilot.gateRunId!;
    corridorRun = (await call<Response<'readiness.prepare'>>(operator, 'readiness.prepare', { subjectType: 'corridor', subjectId: eu.corridorId })).subject.gateRunId!;
  });
  afterAll(async () => {
    for (const c of [admin, operator]) await c?.cleanup();
    await pool?.end();
    if (dir) await rm(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('each gate declares the proof it needs', async () => {
    const run = await get(pilotRun);
    const proof = (key: string) => run.items.find((i) => i.key === key)!.proof;
    expect(proof('oauth')).toMatchObject({ kind: 'live' });
    expect((await get(corridorRun)).items.find((i) => i.key === 'customer')!.proof).toMatchObject({ kind: 'attestation', needs: expect.stringContaining('note of at least a sentence') });
    expect(proof('site_node')).toMatchObject({ kind: 'live' });
    expect(proof('valid_key')).toMatchObject({ kind: 'evidence', evidenceKinds: ['telemetry_validation'], needs: 'Needs a telemetry validation record of the pilot’s corridor (and customer), linked.' });
    expect(proof('incidents')).toMatchObject({ kind: 'evidence', evidenceKinds: ['incident', 'drill'] });
  });

  it('refuses to pass an attestation gate without a sentence and an attachment, saying what it needs, and changes nothing', async () => {
    const bare = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, corridorRun, 'customer', 'done'));
    expect(bare).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/^This gate needs an attestation: .* Missing: a note of at least a sentence and an attached file or link\.$/) });
    const short = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, corridorRun, 'customer', 'done', { note: 'works', attachment: 'https://contracts.example.test/order' , attachmentSha256: 'a'.repeat(64) }));
    expect(short.message).toContain('Missing: a note of at least a sentence.');
    const noFile = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, corridorRun, 'customer', 'done', { note: 'Kenya Health signed a committed-capacity order for EU.' }));
    expect(noFile.message).toContain('Missing: an attached file or link.');
    // A link cannot be read here: its sha256 must be given.
    const linkNoSha = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, corridorRun, 'customer', 'done', { note: 'Kenya Health signed a committed-capacity order for EU.', attachment: 'https://contracts.example.test/order' }));
    expect(linkNoSha).toMatchObject({ code: 'VALIDATION', fields: { attachmentSha256: expect.any(String) } });
  });

  it('passes an attestation with a file read and hashed in the main process; a sha256 that is not the file’s is refused', async () => {
    const file = join(dir, 'capacity-order.txt');
    await writeFile(file, 'Committed-capacity order, 2026-12-05, Kenya Health, EU');
    const sha = createHash('sha256').update('Committed-capacity order, 2026-12-05, Kenya Health, EU').digest('hex');
    const forged = await refusedUnchanged(
      operator,
      'checklists.setItem',
      await set(operator, corridorRun, 'customer', 'done', { note: 'Kenya Health signed a committed-capacity order for EU.', attachment: file, attachmentSha256: 'b'.repeat(64) }),
    );
    expect(forged).toMatchObject({ code: 'VALIDATION', fields: { attachmentSha256: expect.stringContaining('not the one given') } });
    const missing = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, corridorRun, 'customer', 'done', { note: 'Kenya Health signed a committed-capacity order for EU.', attachment: join(dir, 'nope.txt') }));
    expect(missing).toMatchObject({ code: 'VALIDATION', fields: { attachment: expect.stringContaining('Cannot read') } });

    const passed = await call<Response<'checklists.setItem'>>(operator, 'checklists.setItem', await set(operator, corridorRun, 'customer', 'done', { note: 'Kenya Health signed a committed-capacity order for EU.', attachment: file }));
    expect(passed.item).toMatchObject({ status: 'done', setBy: { id: org.operator.operatorId }, attachment: { uri: pathToFileURL(file).href, sha256: sha } });
    const audit = await call<Response<'audit.list'>>(admin, 'audit.list', { limit: 1 });
    expect(audit.events[0]).toMatchObject({ action: 'readiness.gate_set', data: { item: 'customer', proof: 'attestation', attachment: { sha256: sha } } });
  });

  it('the database refuses a gate passed without its attestation, or attested in someone else’s name, and nothing changes', async () => {
    // The corridor's payout gate (an attestation) is still open here.
    const org2 = (await item(corridorRun, 'payout')).id;
    const bare = await dbRefusesUnchanged(org.operator, `UPDATE mc.checklist_items SET status = 'done', set_by = $2, set_at = now() WHERE id = $1`, [org2, org.operator.operatorId]);
    expect(bare).toMatch(/^Cannot mark it passed: it needs an attestation/);
    const asSomeoneElse = await dbRefusesUnchanged(
      org.operator,
      `UPDATE mc.checklist_items SET status = 'done', set_by = $2, set_at = now(), note = 'Organization set up with the customer admin.', attachment_uri = 'https://x.example.test/a', attachment_sha256 = $3 WHERE id = $1`,
      [org2, org.admin.operatorId, 'd'.repeat(64)],
    );
    expect(asSomeoneElse).toMatch(/^Cannot mark it passed: it needs an attestation: the signed-in member/);
    // A live gate needs the answer it had when ticked, and that answer must be yes.
    const live = (await item(pilotRun, 'site_node')).id;
    expect(await dbRefusesUnchanged(org.operator, `UPDATE mc.checklist_items SET status = 'done', set_by = $2, set_at = now() WHERE id = $1`, [live, org.operator.operatorId])).toMatch(
      /^Cannot mark it passed: it needs its live check to answer yes/,
    );
    expect(
      await dbRefusesUnchanged(org.operator, `UPDATE mc.checklist_items SET status = 'done', set_by = $2, set_at = now(), live_answer = '{"ok": false, "summary": "no", "record": null}' WHERE id = $1`, [
        live,
        org.operator.operatorId,
      ]),
    ).toBe('Cannot mark it passed: its live check said no when it was ticked');
    // The declaration itself is not the app's to change.
    const declared = await dbRefusesUnchanged(org.operator, `UPDATE mc.checklist_items SET proof = 'live' WHERE id = $1`, [org2]);
    expect(declared).toMatch(/permission denied/);
  });

  it('an evidence gate needs a record of the pilot’s corridor: one of another corridor is refused by the service and the database', async () => {
    const valid = { validKey: { status: 'accepted' }, invalidKey: { status: 'rejected', code: 'key_invalid' } };
    const elsewhere = await evidence('telemetry_validation', apac.nodeId, valid);
    // Nothing in the pilot's corridor yet: the live check says so, and the gate stays open.
    const none = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, pilotRun, 'valid_key', 'done'));
    expect(none.message).toContain('No telemetry validation record for a node of this corridor yet');
    const failed = await evidence('telemetry_validation', eu.nodeId, valid, 'failed');
    const here = await evidence('telemetry_validation', eu.nodeId, valid);
    const outOfScope = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, pilotRun, 'valid_key', 'done', { evidenceRef: { type: 'evidence', id: elsewhere, label: 'APAC validation' } }));
    expect(outOfScope).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/is not a record of the pilot Kenya Health’s corridor: proof must be in scope\.$/) });
    const i = await item(pilotRun, 'valid_key');
    const db1 = await dbRefusesUnchanged(
      org.operator,
      `UPDATE mc.checklist_items SET status = 'done', set_by = $2, set_at = now(), evidence_ref = $3 WHERE id = $1`,
      [i.id, org.operator.operatorId, JSON.stringify({ type: 'evidence', id: elsewhere, label: 'APAC' })],
    );
    expect(db1).toBe('Cannot mark it passed: its linked evidence record is of another corridor');
    // A failed record is no proof either.
    const db2 = await dbRefusesUnchanged(
      org.operator,
      `UPDATE mc.checklist_items SET status = 'done', set_by = $2, set_at = now(), evidence_ref = $3 WHERE id = $1`,
      [i.id, org.operator.operatorId, JSON.stringify({ type: 'evidence', id: failed, label: 'failed' })],
    );
    expect(db2).toBe('Cannot mark it passed: its linked evidence record failed');
    // With none linked, the service links the record its live check found: this corridor's.
    const passed = await call<Response<'checklists.setItem'>>(operator, 'checklists.setItem', await set(operator, pilotRun, 'valid_key', 'done'));
    expect(passed.item).toMatchObject({ status: 'done', evidenceRef: { type: 'evidence', id: here }, recordedAnswer: { ok: true } });
  });

  it('a drill elsewhere is not proof for the pilot: refused by the service and the database; a drill in its corridor is', async () => {
    const elsewhere = await drill(1, apac.corridorId);
    const i = await item(pilotRun, 'incidents');
    expect(i.live).toMatchObject({ ok: false, summary: expect.stringContaining('No incident affecting this corridor') });
    const svc = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, pilotRun, 'incidents', 'done', { evidenceRef: { type: 'incident', id: elsewhere, label: 'INC-1' } }));
    expect(svc.message).toMatch(/INC-1 \(a drill\) did not affect the pilot Kenya Health’s corridor: a drill elsewhere is not proof here\./);
    const dbMsg = await dbRefusesUnchanged(
      org.operator,
      `UPDATE mc.checklist_items SET status = 'done', set_by = $2, set_at = now(), evidence_ref = $3 WHERE id = $1`,
      [i.id, org.operator.operatorId, JSON.stringify({ type: 'incident', id: elsewhere, label: 'INC-1' })],
    );
    expect(dbMsg).toBe('Cannot mark it passed: its linked incident is of another corridor');
    const here = await drill(2, eu.corridorId);
    const passed = await call<Response<'checklists.setItem'>>(operator, 'checklists.setItem', await set(operator, pilotRun, 'incidents', 'done', { evidenceRef: { type: 'incident', id: here, label: 'INC-2' } }));
    expect(passed.item).toMatchObject({ status: 'done', evidenceRef: { id: here } });
  });

  it('a corridor’s drill gate counts drills only: a real incident is refused', async () => {
    const corridor = (await call<Response<'readiness.prepare'>>(operator, 'readiness.prepare', { subjectType: 'corridor', subjectId: eu.corridorId })).subject;
    const real = await drill(3, eu.corridorId, false);
    const svc = await refusedUnchanged(admin, 'checklists.setItem', await set(admin, corridor.gateRunId!, 'drill', 'done', { evidenceRef: { type: 'incident', id: real, label: 'INC-3' } }));
    expect(svc.message).toContain('INC-3 is not a drill; this needs a failover drill.');
  });

  it('waiving a gate needs an admin and a reason, in the service and the database; a waived gate shows as waived', async () => {
    const byOperator = await refusedUnchanged(operator, 'checklists.setItem', await set(operator, pilotRun, 'models', 'skipped', { note: 'not needed for this pilot' }));
    expect(byOperator).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('Only an admin can waive a gate') });
    const noReason = await refusedUnchanged(admin, 'checklists.setItem', await set(admin, pilotRun, 'models', 'skipped'));
    expect(noReason).toMatchObject({ code: 'VALIDATION', fields: { note: expect.stringContaining('why this gate is waived') } });
    const i = await item(pilotRun, 'models');
    expect(await dbRefusesUnchanged(org.operator, `UPDATE mc.checklist_items SET status = 'skipped', set_by = $2, set_at = now(), note = 'because' WHERE id = $1`, [i.id, org.operator.operatorId])).toBe(
      'Cannot waive it: only an admin waives a gate',
    );
    expect(await dbRefusesUnchanged(org.admin, `UPDATE mc.checklist_items SET status = 'skipped', set_by = $2, set_at = now() WHERE id = $1`, [i.id, org.admin.operatorId])).toBe(
      'Cannot waive it: a waiver needs a reason',
    );
    await call(admin, 'checklists.setItem', await set(admin, pilotRun, 'models', 'skipped', { note: 'The customer brings its own model catalog.' }));
    const pilot = (await call<Response<'readiness.overview'>>(admin, 'readiness.overview', {})).pilots.find((p) => p.id === pilotId)!;
    expect(pilot.waivedGates).toEqual(['/api/v1/models returns available model metadata.']);
    expect(pilot.openGates).not.toContain('/api/v1/models returns available model metadata.');
  });

  it('a pilot cannot go live while its corridor is not ready, and a corridor is not ready while a site’s safety checklist is open', async () => {
    // Every other pilot gate waived by the admin, so only the corridor stands in the way.
    for (const g of (await get(pilotRun)).items.filter((x) => x.status === 'open')) {
      await call(admin, 'checklists.setItem', { itemId: g.id, status: 'skipped', note: 'Waived for the order test.', expectedVersion: g.version });
    }
    const pilotLive = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'pilot', subjectId: pilotId, readiness: 'live', reason: 'customer asked' });
    expect(pilotLive).toMatchObject({ code: 'CONFLICT', message: 'Kenya Health cannot be marked live: Corridor EU is preparing, not ready.' });
    expect(await dbRefusesUnchanged(org.admin, `UPDATE mc.pilots SET readiness = 'live' WHERE id = $1`, [pilotId])).toBe('Cannot mark it live: its corridor is not ready (EU is preparing)');

    const corridorRun = (await call<Response<'readiness.overview'>>(admin, 'readiness.overview', {})).corridors.find((c) => c.id === eu.corridorId)!.gateRunId!;
    for (const g of (await get(corridorRun)).items.filter((x) => x.status === 'open')) {
      await call(admin, 'checklists.setItem', { itemId: g.id, status: 'skipped', note: 'Waived for the order test.', expectedVersion: g.version });
    }
    const unsafe = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'corridor', subjectId: eu.corridorId, readiness: 'ready', reason: 'gates done' });
    expect(unsafe).toMatchObject({ code: 'CONFLICT', message: 'EU cannot be marked ready: Site safety checklist of FRA-01: not started.' });
    expect(await dbRefusesUnchanged(org.admin, `UPDATE mc.corridors SET readiness = 'ready' WHERE id = $1`, [eu.corridorId])).toBe(
      'Cannot mark it ready: site safety checklists not passed: FRA-01 (not_started)',
    );

    await asOwner(db, org.orgId, (c) => c.query(`UPDATE mc.sites SET safety_checklist = 'passed' WHERE id = $1`, [eu.siteId]));
    await call(admin, 'readiness.set', { subjectType: 'corridor', subjectId: eu.corridorId, readiness: 'ready', reason: 'gates and site safety done' });
    const live = (await call<Response<'readiness.set'>>(admin, 'readiness.set', { subjectType: 'pilot', subjectId: pilotId, readiness: 'live', reason: 'accepted' })).subject;
    expect(live).toMatchObject({ readiness: 'live', blockers: [] });
    // A corridor with a live pilot does not slip back to preparing.
    const back = await refusedUnchanged(admin, 'readiness.set', { subjectType: 'corridor', subjectId: eu.corridorId, readiness: 'preparing', reason: 'rollback' });
    expect(back.message).toBe('EU cannot go back to preparing while pilots are live in it: Kenya Health. Take them out of live first.');
    expect(await dbRefusesUnchanged(org.admin, `UPDATE mc.corridors SET readiness = 'preparing' WHERE id = $1`, [eu.corridorId])).toBe('Cannot mark it preparing: pilots are live in it: Kenya Health');
  });
});
