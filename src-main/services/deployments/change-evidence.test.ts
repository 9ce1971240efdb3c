import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { FlagChange } from '../../../src-shared/contract/flags';
import type { MigrationRun } from '../../../src-shared/contract/migrations';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';
import { answer } from '../checklists';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Daily checklist item 6, answered live for every environment change: deployments, migrations, flag flips. */
describe.skipIf(!ok)('evidence for every environment change (daily checklist item 6)', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Core;
  let second: Core;
  let operator: Core;
  let dir: string;
  let file: string;
  let fileSha: string;

  const item6 = () => admin.db.tx(admin.db.session!, (sql) => answer(sql, 'environment_changes_evidenced', { type: 'org', id: null, corridorId: null }, admin.db.session!));
  const evidenceColumns = (table: string, id: string | number) =>
    asOwner(db, null, async (c) => (await c.query(`SELECT evidence_uri, evidence_sha256 FROM mc.${table} WHERE id = $1`, [id])).rows[0]);

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'chgevidence');
    const email = 'second.admin.evidence@example.test';
    await asOwner(db, org.orgId, async (c) => {
      const id = randomUUID();
      await c.query('INSERT INTO mc.operators (id, email, display_name) VALUES ($1, $2, $3)', [id, email, 'Second Admin']);
      await c.query(`INSERT INTO mc.memberships (org_id, operator_id, role) VALUES ($1, $2, 'admin')`, [org.orgId, id]);
    });
    admin = await coreOn(db, org.admin.email);
    second = await coreOn(db, email);
    operator = await coreOn(db, org.operator.email);
    dir = mkdtempSync(join(tmpdir(), 'mc-change-evidence-'));
    file = join(dir, 'change-record.txt');
    writeFileSync(file, 'CAB approved change 2026-12-05');
    fileSha = createHash('sha256').update('CAB approved change 2026-12-05').digest('hex');
  });
  afterAll(async () => {
    await admin?.cleanup();
    await second?.cleanup();
    await operator?.cleanup();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes with no change, then lists a started deployment, an applied migration and a flag flip until each has evidence', async () => {
    expect(await item6()).toMatchObject({ ok: true });

    const { run: deploy } = await call<Response<'deployments.create'>>(admin, 'deployments.create', { releaseName: 'Winter release', environment: 'staging', canaryStages: [] });
    await call(admin, 'deployments.start', { id: deploy.id });
    const checked = (await call<{ run: MigrationRun }>(admin, 'migrations.check', { fileName: '0201_notes.sql', contentBase64: b64('CREATE TABLE public.evidence_notes (id int);') })).run;
    // A checked run changed nothing yet: it is not an environment change, and takes no evidence.
    expect((await item6()).summary).not.toMatch(/migration/);
    expect(await refused(admin, 'migrations.attachEvidence', { id: checked.id, uri: pathToFileURL(file).href })).toMatchObject({ code: 'CONFLICT' });
    await call(second, 'migrations.approve', { id: checked.id });
    await call(admin, 'migrations.apply', { id: checked.id, confirmDatabase: db.target.database });
    await call(admin, 'flags.save', { key: 'router.fallback', description: 'Fallback routing', enabled: true, safeDefault: false });

    const open = await item6();
    expect(open).toMatchObject({ ok: false, record: { type: 'flag_change' } });
    expect(open.summary).toMatch(/1 started deployment run, 1 applied migration run, 1 feature-flag change/);
    // Deployments lists the same three, where evidence is attached.
    const listed = (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).withoutEvidence;
    expect(listed.map((w) => w.kind).sort()).toEqual(['deployment', 'flag', 'migration']);
    expect(listed.find((w) => w.kind === 'migration')).toMatchObject({ id: checked.id, name: `0201_notes.sql on ${db.target.database}` });

    await call(admin, 'deployments.attachEvidence', { id: deploy.id, uri: pathToFileURL(file).href });
    const { run } = await call<{ run: MigrationRun }>(admin, 'migrations.attachEvidence', { id: checked.id, uri: pathToFileURL(file).href });
    expect(run.evidence).toMatchObject({ sha256: fileSha, by: { name: org.admin.name } });
    const flagChange = (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).events.find((e) => e.kind === 'flag.changed')!;
    expect((await item6()).summary).toMatch(/^Without evidence: 1 feature-flag change\./);

    const { change } = await call<{ change: FlagChange }>(operator, 'flags.attachEvidence', { changeId: flagChange.id, uri: 'https://change.example.test/CR-7', sha256: fileSha });
    expect(change).toMatchObject({ id: flagChange.id, evidence: { uri: 'https://change.example.test/CR-7', sha256: fileSha, by: { name: org.operator.name } } });
    expect(await item6()).toMatchObject({ ok: true });
    expect((await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).withoutEvidence).toEqual([]);
  });

  it('refuses bad evidence, other kinds of events and non-admins on migration runs, changing nothing', async () => {
    await call(admin, 'flags.save', { key: 'router.shadow', description: 'Shadow traffic', enabled: false, safeDefault: false });
    const events = (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).events;
    const flip = events.find((e) => e.kind === 'flag.changed' && /router\.shadow/.test(e.message))!;
    // A sha256 that is not the file's, a remote URI without one, a malformed sha256.
    expect(await refused(admin, 'flags.attachEvidence', { changeId: flip.id, uri: pathToFileURL(file).href, sha256: 'a'.repeat(64) })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'flags.attachEvidence', { changeId: flip.id, uri: 'https://change.example.test/CR-8' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'flags.attachEvidence', { changeId: flip.id, uri: 'https://change.example.test/CR-8', sha256: 'XYZ' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'flags.attachEvidence', { changeId: flip.id, uri: pathToFileURL(join(dir, 'missing.txt')).href })).toMatchObject({ code: 'VALIDATION' });
    expect(await evidenceColumns('change_events', flip.id)).toEqual({ evidence_uri: null, evidence_sha256: null });
    // Only flag changes take evidence through flags.attachEvidence.
    const other = events.find((e) => e.kind === 'migration.applied')!;
    expect(await refused(admin, 'flags.attachEvidence', { changeId: other.id, uri: 'https://change.example.test/CR-9', sha256: fileSha })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await evidenceColumns('change_events', other.id)).toEqual({ evidence_uri: null, evidence_sha256: null });

    const applied = (await call<Response<'migrations.overview'>>(admin, 'migrations.overview', {})).runs.find((r) => r.fileName === '0201_notes.sql')!;
    expect(await refused(operator, 'migrations.attachEvidence', { id: applied.id, uri: 'https://change.example.test/CR-10', sha256: 'b'.repeat(64) })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(admin, 'migrations.attachEvidence', { id: applied.id, uri: 'https://change.example.test/CR-10' })).toMatchObject({ code: 'VALIDATION' });
    expect(await evidenceColumns('migration_runs', applied.id)).toEqual({ evidence_uri: pathToFileURL(file).href, evidence_sha256: fileSha });
    // The item still names the open flip.
    expect(await item6()).toMatchObject({ ok: false, summary: expect.stringMatching(/1 feature-flag change.*router\.shadow/) });
  });

  it('links a deployment run to its migration runs and flag changes by id, shown on the run; refuses ids of other records, changing nothing', async () => {
    const overview = await call<Response<'deployments.list'>>(admin, 'deployments.list', {});
    const deploy = overview.runs.find((r) => r.releaseName === 'Winter release')!;
    const migration = (await call<Response<'migrations.overview'>>(admin, 'migrations.overview', {})).runs.find((r) => r.fileName === '0201_notes.sql')!;
    const flips = overview.events.filter((e) => e.kind === 'flag.changed');
    const { run } = await call<Response<'deployments.link'>>(admin, 'deployments.link', { id: deploy.id, migrationRunIds: [migration.id], flagChangeIds: flips.map((f) => f.id) });
    expect(run.links.migrations).toEqual([{ id: migration.id, fileName: '0201_notes.sql', status: 'applied' }]);
    expect(run.links.flagChanges.map((f) => f.id).sort()).toEqual(flips.map((f) => f.id).sort());
    expect(run.links.flagChanges[0]!.message).toMatch(/router\./);
    // The run's record in the ledger carries the same links.
    const listed = (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).runs.find((r) => r.id === deploy.id)!;
    expect(listed.links).toEqual(run.links);

    const other = overview.events.find((e) => e.kind === 'migration.applied')!;
    expect(await refused(admin, 'deployments.link', { id: deploy.id, migrationRunIds: [randomUUID()] })).toMatchObject({ code: 'VALIDATION', fields: { migrationRunIds: expect.any(String) } });
    expect(await refused(admin, 'deployments.link', { id: deploy.id, flagChangeIds: [other.id] })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'deployments.link', { id: deploy.id, flagChangeIds: [-1] })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'deployments.link', { id: randomUUID(), migrationRunIds: [migration.id] })).toMatchObject({ code: 'NOT_FOUND' });
    const after = (await call<Response<'deployments.list'>>(admin, 'deployments.list', {})).runs.find((r) => r.id === deploy.id)!;
    expect(after.links).toEqual(run.links);
  });
});
