import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { TEMPLATE_BY_KEY } from '../../../src-shared/domain/checklists';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;
type Run = Response<'checklists.get'>;

/** The seed's SQL upgrade order (issue 14) as a guided run: its steps answered live, taken in order. */
describe.skipIf(!ok)('the guided SQL upgrade run', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let admin: Core;

  const get = (runId: string) => call<Run>(admin, 'checklists.get', { runId });
  const item = (run: Run, key: string) => run.items.find((i) => i.key === key)!;
  const set = (run: Run, key: string, status: string, extra: Record<string, unknown> = {}) =>
    call<Response<'checklists.setItem'>>(admin, 'checklists.setItem', { itemId: item(run, key).id, status, expectedVersion: item(run, key).version, ...extra });
  const start = async () => get((await call<Response<'checklists.start'>>(admin, 'checklists.start', { templateKey: 'database_upgrade' })).run.id);
  /** The run's items and the org's audit rows as stored, to prove a refusal changed nothing. */
  const stored = (runId: string) =>
    asOwner(db, null, async (c) => ({
      items: (await c.query('SELECT key, status, version, note FROM mc.checklist_items WHERE run_id = $1 ORDER BY key', [runId])).rows,
      audit: (await c.query('SELECT count(*)::int AS n FROM mc.audit_events WHERE org_id = $1', [org.orgId])).rows[0].n,
    }));

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'upg');
    admin = await coreOn(db, org.admin.email);
  });
  afterAll(async () => {
    await admin?.cleanup();
    await db?.drop();
  });

  it('lists the four steps in the seed’s order, each answered from this database', async () => {
    const run = await start();
    expect(run.items.map((i) => i.key)).toEqual(['compat', 'schema', 'rls', 'seed']);
    expect(run.items.map((i) => i.text)).toEqual(TEMPLATE_BY_KEY.get('database_upgrade')!.items.map((i) => i.text));
    expect(item(run, 'compat').live).toMatchObject({ ok: true, summary: expect.stringMatching(/^Applied with 0020_change_control\.sql/) });
    expect(item(run, 'schema').live).toMatchObject({ ok: true, summary: expect.stringMatching(/^All \d+ migrations applied/) });
    expect(item(run, 'rls').live).toMatchObject({ ok: true, summary: expect.stringMatching(/^Every app table under forced row-level security; \d+ policies/) });
    expect(item(run, 'seed').live).toMatchObject({ ok: true, summary: expect.stringContaining('not the demo org') });
  });

  it('refuses a step before the ones it follows, naming the step, and changes nothing; in order the run passes', async () => {
    let run = await start();
    const before = await stored(run.run.id);
    const err = await refused(admin, 'checklists.setItem', { itemId: item(run, 'rls').id, status: 'done', expectedVersion: item(run, 'rls').version });
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toMatch(/^Step 1 comes first \(“Compatibility fixes first”, now open\)/);
    expect(await stored(run.run.id)).toEqual(before);

    for (const key of ['compat', 'schema', 'rls']) {
      await set(run, key, 'done');
      run = await get(run.run.id);
    }
    // A step marked not applicable (with its reason) lets the next go on, as done does.
    await set(run, 'seed', 'skipped', { note: 'Production database: no demo seed.' });
    run = await get(run.run.id);
    expect(run.run.outcome).toBe('passed');
    // Reopening an earlier step is always allowed.
    await set(run, 'compat', 'open');
    expect(item(await get(run.run.id), 'compat').status).toBe('open');
  });

  it('an older deployment_runs table (version NOT NULL, with a CHECK) fails step 1 by name, and the schema step waits for it', async () => {
    await asOwner(db, null, (c) => c.query(`CREATE SCHEMA legacy_app; CREATE TABLE legacy_app.deployment_runs (id int PRIMARY KEY, version text NOT NULL CONSTRAINT version_semver CHECK (version ~ '^\\d'))`));
    try {
      let run = await start();
      expect(item(run, 'compat').live?.ok).toBe(false);
      expect(item(run, 'compat').live?.summary).toBe('Still of the older shape: legacy_app.deployment_runs.version CHECK version_semver; legacy_app.deployment_runs.version NOT NULL. Reconnect as the owner so migration 0020\'s fix runs.');
      const before = await stored(run.run.id);
      expect((await refused(admin, 'checklists.setItem', { itemId: item(run, 'compat').id, status: 'done', expectedVersion: item(run, 'compat').version })).message).toMatch(/^The live check says: Still of the older shape/);
      expect(await stored(run.run.id)).toEqual(before);
      // Failed, with a note: still not a step the schema may follow.
      await set(run, 'compat', 'failed', { note: 'Old table from the 2025 install; fix scheduled.' });
      run = await get(run.run.id);
      const after = await stored(run.run.id);
      expect((await refused(admin, 'checklists.setItem', { itemId: item(run, 'schema').id, status: 'done', expectedVersion: item(run, 'schema').version })).message).toMatch(/^Step 1 comes first .*now failed/);
      expect(await stored(run.run.id)).toEqual(after);
    } finally {
      await asOwner(db, null, (c) => c.query('DROP SCHEMA legacy_app CASCADE'));
    }
  });
});
