import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import type { MigrationRun } from '../../../src-shared/contract/migrations';
import { MIGRATION_LOCK_ID } from '../../db/migrations';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe.skipIf(!ok)('the migrations center', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Core;
  let second: Core;
  let operator: Core;
  const check = async (fileName: string, sql: string, extra: Record<string, unknown> = {}) =>
    (await call<{ run: MigrationRun }>(admin, 'migrations.check', { fileName, contentBase64: b64(sql), ...extra })).run;
  const runs = async () => (await call<Response<'migrations.overview'>>(admin, 'migrations.overview', {})).runs;
  const columnType = () =>
    asOwner(db, null, async (c) => (await c.query(`SELECT data_type FROM information_schema.columns WHERE table_name = 'widgets' AND column_name = 'n'`)).rows[0]?.data_type);

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'sqlcenter');
    const email = 'second.admin@example.test';
    await asOwner(db, org.orgId, async (c) => {
      const id = randomUUID();
      await c.query('INSERT INTO mc.operators (id, email, display_name) VALUES ($1, $2, $3)', [id, email, 'Second Admin']);
      await c.query(`INSERT INTO mc.memberships (org_id, operator_id, role) VALUES ($1, $2, 'admin')`, [org.orgId, id]);
      await c.query('CREATE TABLE public.widgets (id serial PRIMARY KEY, n integer NOT NULL DEFAULT 0)');
      await c.query('INSERT INTO public.widgets (n) SELECT g FROM generate_series(1, 100) g');
    });
    admin = await coreOn(db, org.admin.email);
    second = await coreOn(db, email);
    operator = await coreOn(db, org.operator.email);
  });
  afterAll(async () => {
    await admin?.cleanup();
    await second?.cleanup();
    await operator?.cleanup();
    await db?.drop();
  });

  it('shows the app’s own ledger with nothing pending and no drift', async () => {
    const o = await call<Response<'migrations.overview'>>(admin, 'migrations.overview', {});
    expect(o).toMatchObject({ database: db.target.database, sharedDatabase: true, pending: [], unknown: [] });
    expect(o.ledger.map((l) => l.name)).toContain('0020_change_control.sql');
    expect(o.ledger.every((l) => !l.drift)).toBe(true);
  });

  it('lints with squawk and dry-runs in a transaction that is rolled back, reporting the ACCESS EXCLUSIVE lock and the rewrite', async () => {
    const run = await check('0100_widen_widgets.sql', 'SET lock_timeout = \'2s\';\n\n-- widen the counter\nALTER TABLE public.widgets ALTER COLUMN n TYPE bigint;\nCREATE INDEX widgets_n_idx ON public.widgets (n);\n');
    expect(run).toMatchObject({ status: 'checked', error: null, sharedDatabase: true, targetDatabase: db.target.database });
    const alter = run.statements.find((s) => s.kind === 'AlterTableStmt')!;
    expect(alter).toMatchObject({ line: 4, dryRun: 'ran' });
    expect(alter.locks).toContainEqual({ relation: 'widgets', mode: 'AccessExclusiveLock' });
    expect(alter.rewrote).toEqual(['widgets']);
    const index = run.statements.find((s) => s.kind === 'IndexStmt')!;
    // Locks the file holds already (ACCESS EXCLUSIVE on widgets) are not repeated; the new index's are.
    expect(index.locks).toContainEqual({ relation: 'widgets_n_idx', mode: 'AccessExclusiveLock' });
    expect(run.findings).toContainEqual(expect.objectContaining({ rule: 'require-concurrent-index-creation', line: 5 }));
    expect(run.findings.some((f) => f.rule === 'require-lock-timeout')).toBe(false);
    // Rolled back: nothing changed.
    expect(await columnType()).toBe('integer');
  });

  it('flags what cannot run in a transaction instead of dry-running it, and will not apply it', async () => {
    const run = await check('0101_concurrent.sql', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS widgets_n_c ON public.widgets (n);');
    expect(run.statements[0]).toMatchObject({ dryRun: 'flagged', note: expect.stringMatching(/CONCURRENTLY/) });
    await call(second, 'migrations.approve', { id: run.id });
    expect(await refused(admin, 'migrations.apply', { id: run.id, confirmDatabase: db.target.database })).toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses empty, non-UTF-8, oversized and unparsable files, and non-admins, storing nothing', async () => {
    const before = (await runs()).length;
    expect(await refused(admin, 'migrations.check', { fileName: 'a.sql', contentBase64: '' })).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/empty/) });
    expect(await refused(admin, 'migrations.check', { fileName: 'a.sql', contentBase64: b64(Buffer.from([0x53, 0x45, 0xff, 0xfe])) })).toMatchObject({ message: expect.stringMatching(/UTF-8/) });
    expect(await refused(admin, 'migrations.check', { fileName: 'a.sql', contentBase64: b64('x'.repeat(300 * 1024)) })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(admin, 'migrations.check', { fileName: 'a.sql', contentBase64: b64('SELECT 1;\nALTER TABLEE widgets;') })).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/does not parse \(line 2\)/),
    });
    expect(await refused(admin, 'migrations.check', { fileName: 'a.sql', contentBase64: b64('-- nothing here\n') })).toMatchObject({ message: expect.stringMatching(/no SQL statement/) });
    expect(await refused(admin, 'migrations.check', { fileName: '../etc/passwd', contentBase64: b64('SELECT 1;') })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(operator, 'migrations.check', { fileName: 'a.sql', contentBase64: b64('SELECT 1;') })).toMatchObject({ code: 'FORBIDDEN' });
    expect((await runs()).length).toBe(before);
  });

  it('needs a second admin on a shared database, a typed confirmation, then applies once; a changed file under the same name is refused', async () => {
    const run = await check('0102_widen.sql', 'ALTER TABLE public.widgets ALTER COLUMN n TYPE bigint;');
    expect(await refused(admin, 'migrations.apply', { id: run.id, confirmDatabase: db.target.database })).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/second admin/) });
    expect(await refused(admin, 'migrations.approve', { id: run.id })).toMatchObject({ code: 'FORBIDDEN' });
    const approved = (await call<{ run: MigrationRun }>(second, 'migrations.approve', { id: run.id })).run;
    expect(approved.approvedBy).toMatchObject({ name: 'Second Admin' });
    expect(await refused(admin, 'migrations.apply', { id: run.id, confirmDatabase: 'some_other_db' })).toMatchObject({ code: 'VALIDATION' });
    expect(await columnType()).toBe('integer');
    const applied = (await call<{ run: MigrationRun }>(admin, 'migrations.apply', { id: run.id, confirmDatabase: db.target.database })).run;
    expect(applied).toMatchObject({ status: 'applied', error: null, appliedBy: { name: org.admin.name }, approvedBy: { name: 'Second Admin' } });
    expect(await columnType()).toBe('bigint');
    expect(await refused(admin, 'migrations.apply', { id: run.id, confirmDatabase: db.target.database })).toMatchObject({ code: 'CONFLICT' });
    expect(await refused(admin, 'migrations.check', { fileName: '0102_widen.sql', contentBase64: b64('ALTER TABLE public.widgets ALTER COLUMN n TYPE bigint;') })).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/applied .* already/),
    });
    expect(await refused(admin, 'migrations.check', { fileName: '0102_widen.sql', contentBase64: b64('ALTER TABLE public.widgets ADD COLUMN m int;') })).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/different content/),
    });
  });

  it('records a failing file as failed with its line, and leaves nothing of it behind', async () => {
    const run = await check('0103_half.sql', 'CREATE TABLE public.gadgets (id int);\nINSERT INTO public.gadgets VALUES (1);');
    await call(second, 'migrations.approve', { id: run.id });
    // Make the second statement fail at apply time (it passed the dry run).
    await asOwner(db, null, (c) => c.query('CREATE TABLE public.blocker (id int); DROP TABLE public.blocker'));
    await asOwner(db, null, (c) => c.query(`CREATE TABLE public.gadgets (id int CHECK (id > 5))`));
    const failed = (await call<{ run: MigrationRun }>(admin, 'migrations.apply', { id: run.id, confirmDatabase: db.target.database })).run;
    expect(failed).toMatchObject({ status: 'failed', errorLine: 1, error: expect.stringMatching(/already exists.*Nothing of the file was applied/) });
    const rows = await asOwner(db, null, async (c) => (await c.query('SELECT count(*)::int AS n FROM public.gadgets')).rows[0].n);
    expect(rows).toBe(0);
    const events = await call<Response<'deployments.list'>>(admin, 'deployments.list', {});
    expect(events.events.some((e) => e.kind === 'migration.failed' && e.subjectId === run.id)).toBe(true);
  });

  it('gives up on a lock held past lock_timeout, and refuses to race another apply', async () => {
    const run = await check('0104_lock.sql', 'ALTER TABLE public.widgets ADD COLUMN IF NOT EXISTS note text;', { lockTimeoutMs: 300 });
    await call(second, 'migrations.approve', { id: run.id });
    const holder = await db.owner();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      expect(await refused(admin, 'migrations.apply', { id: run.id, confirmDatabase: db.target.database })).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/Another migration/) });
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
      await holder.query('BEGIN; LOCK TABLE public.widgets IN ACCESS SHARE MODE');
      const r = (await call<{ run: MigrationRun }>(admin, 'migrations.apply', { id: run.id, confirmDatabase: db.target.database })).run;
      expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/55P03.*lock_timeout/) });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    const cols = await asOwner(db, null, async (c) => (await c.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'widgets' AND column_name = 'note'`)).rowCount);
    expect(cols).toBe(0);
  });

  it('records a connection lost mid-apply as failed, says so, and leaves nothing of the file behind', async () => {
    // Statement 1 runs, statement 2 waits on a lock the test holds; the applying backend is then terminated from another session.
    const run = await check('0105_lost.sql', 'CREATE TABLE public.lost_half (id int);\nALTER TABLE public.widgets ADD COLUMN lost_note text;', { lockTimeoutMs: 60_000 });
    await call(second, 'migrations.approve', { id: run.id });
    const holder = await db.owner();
    const killer = await db.owner();
    try {
      await holder.query('BEGIN; LOCK TABLE public.widgets IN ACCESS SHARE MODE');
      const applying = call<{ run: MigrationRun }>(admin, 'migrations.apply', { id: run.id, confirmDatabase: db.target.database });
      let pid: number | null = null;
      for (let i = 0; i < 200 && pid === null; i++) {
        const r = await killer.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE query LIKE '%ADD COLUMN lost_note%' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        pid = r.rows[0]?.pid ?? null;
        if (pid === null) await new Promise((res) => setTimeout(res, 50));
      }
      expect(pid).not.toBeNull();
      expect((await killer.query('SELECT pg_terminate_backend($1) AS ok', [pid])).rows[0].ok).toBe(true);
      const r = (await applying).run;
      expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/connection to .* was lost while applying .*never committed.*Nothing of the file was applied/) });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
      await killer.end();
    }
    // Nothing half-applied: statement 1's table is not there, statement 2's column neither.
    const left = await asOwner(db, null, async (c) =>
      (await c.query(`SELECT to_regclass('public.lost_half') AS t, (SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'widgets' AND column_name = 'lost_note') AS cols`)).rows[0],
    );
    expect(left).toEqual({ t: null, cols: 0 });
    const events = await call<Response<'deployments.list'>>(admin, 'deployments.list', {});
    expect(events.events.some((e) => e.kind === 'migration.failed' && e.subjectId === run.id)).toBe(true);
    // The center still works afterwards: the migration lock went with the terminated session.
    const again = await check('0106_after_lost.sql', 'CREATE TABLE public.after_lost (id int);');
    await call(second, 'migrations.approve', { id: again.id });
    expect((await call<{ run: MigrationRun }>(admin, 'migrations.apply', { id: again.id, confirmDatabase: db.target.database })).run.status).toBe('applied');
  });

  it('verifies the schema against what the app expects, and notices a table without forced RLS', async () => {
    const good = await call<Response<'migrations.verify'>>(admin, 'migrations.verify', {});
    expect(good).toMatchObject({ ok: true, tablesWithoutForcedRls: [], definerWithoutSearchPath: [], expected: { missingTables: [] } });
    expect(good.schemas.find((s) => s.schema === 'mc')!.policies).toBeGreaterThan(50);
    await asOwner(db, null, (c) => c.query('CREATE TABLE mc.rogue (org_id uuid)'));
    const bad = await call<Response<'migrations.verify'>>(admin, 'migrations.verify', {});
    expect(bad).toMatchObject({ ok: false, tablesWithoutForcedRls: ['mc.rogue'] });
    await asOwner(db, null, (c) => c.query('DROP TABLE mc.rogue'));
  });
});
