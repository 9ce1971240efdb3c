import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { appPool, asApp, createOrg, migratedDatabase, seedComponents, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { coreOn, DIRECT } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const server = testServers()[0]!;
const ok = await needKeychain();

describe.skipIf(!ok)('audit chain in the database', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let core: Awaited<ReturnType<typeof coreOn>>;
  let second: Awaited<ReturnType<typeof coreOn>>;
  let ids: string[];

  const verify = async () => ((await core.router.invoke('audit.verify', {}, DIRECT)) as { data: Response<'audit.verify'> }).data;
  const setState = (c: typeof core, componentId: string, state: string, reason: string) =>
    c.router.invoke('status.setState', { componentId, state, reason }, DIRECT);
  /** Tamper as a superuser would: with every trigger (append-only guard and foreign keys) off. */
  const tamper = async (sql: string, params: unknown[]) => {
    const c = await db.owner();
    try {
      await c.query(`SET session_replication_role = replica`);
      await c.query(sql, params);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'audit');
    ids = await seedComponents(
      db,
      org.orgId,
      [1, 2, 3, 4].map((g) => ({ key: `c${g}`, name: `Component ${g}`, kind: 'runtime' })),
    );
    core = await coreOn(db, org.operator.email);
    second = await coreOn(db, org.admin.email);
  });
  afterAll(async () => {
    await second?.cleanup();
    await core?.cleanup();
    await db?.drop();
  });

  const FOUR_STATES = ['degraded_performance', 'partial_outage', 'major_outage', 'operational'] as const;

  it('starts empty and verifies', async () => {
    expect(await verify()).toMatchObject({ ok: true, checked: 0, headSeq: 0 });
  });

  it('keeps one unbroken chain under concurrent commands from two instances', async () => {
    const results = await Promise.all(
      // Each component gets four different states, so whatever order the writers land in, every write
      // is a transition (a no-op change is refused, never recorded).
      Array.from({ length: 16 }, (_, i) => setState(i % 2 ? second : core, ids[i % 4]!, FOUR_STATES[Math.floor(i / 4)]!, `concurrent change ${i}`)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const v = await verify();
    expect(v).toMatchObject({ ok: true, checked: 16, headSeq: 16, breaks: [] });
    const list = (await core.router.invoke('audit.list', { limit: 100 }, DIRECT)) as { data: Response<'audit.list'> };
    expect(list.data.events.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => 16 - i));
  });

  it('verifies from one snapshot: concurrent writers never look like tampering', async () => {
    let writing = true;
    const writer = (async () => {
      // Each pass over the four components flips them all, so every write is a transition.
      for (let i = 0; writing; i++) await setState(second, ids[i % 4]!, Math.floor(i / 4) % 2 ? 'degraded_performance' : 'operational', `writer ${i}`);
    })();
    const verdicts = [];
    for (let i = 0; i < 40; i++) verdicts.push(await verify());
    writing = false;
    await writer;
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    expect(verdicts.at(-1)!.checked).toBeGreaterThan(16);
  });

  it('refuses UPDATE, DELETE and TRUNCATE, from the app and from the owner alike', async () => {
    const pool = await appPool(db);
    try {
      for (const sql of [`UPDATE mc.audit_events SET reason = 'edited'`, `DELETE FROM mc.audit_events`, `TRUNCATE mc.audit_events`]) {
        const e = await asApp(pool, org.admin, (s) => s.query(sql)).catch((err: { code?: string }) => err);
        expect((e as { code?: string }).code, sql).toBe('42501');
      }
    } finally {
      await pool.end();
    }
    const c = await db.owner();
    for (const sql of [`UPDATE mc.audit_events SET reason = 'edited'`, `DELETE FROM mc.audit_events`, `TRUNCATE mc.audit_events CASCADE`]) {
      await expect(c.query(sql), sql).rejects.toThrow(/append-only/);
    }
    // Without CASCADE the foreign keys from history rows refuse it before the guard is asked.
    await expect(c.query(`TRUNCATE mc.audit_events`)).rejects.toThrow(/cannot truncate a table referenced/);
    await c.end();
    expect((await verify()).ok).toBe(true);
  });

  it('refuses an insert that does not extend the head (no forks)', async () => {
    const c = await db.owner();
    await c.query('BEGIN');
    await c.query(`SELECT set_config('mc.org_id', $1, true), set_config('mc.role', 'admin', true)`, [org.orgId]);
    const err = await c
      .query(
        `INSERT INTO mc.audit_events (org_id, seq, id, at, actor_name, action, target_type, prev_hash, hash)
         VALUES ($1, 3, gen_random_uuid(), now(), 'forger', 'test.fork', 'org', repeat('0', 64), repeat('f', 64))`,
        [org.orgId],
      )
      .catch((e: { code?: string; message?: string }) => e);
    await c.query('ROLLBACK');
    await c.end();
    expect(err).toMatchObject({ code: '40001', message: expect.stringMatching(/audit chain moved on/) });
  });

  it('detects an event edited behind the app’s back', async () => {
    await tamper(`UPDATE mc.audit_events SET reason = 'nothing to see here' WHERE org_id = $1 AND seq = 5`, [org.orgId]);
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.breaks).toEqual([{ seq: 5, description: 'event #5 was changed after it was written (hash mismatch)' }]);
  });

  it('detects a deleted event in the middle', async () => {
    await tamper(`DELETE FROM mc.audit_events WHERE org_id = $1 AND seq = 9`, [org.orgId]);
    const descriptions = (await verify()).breaks.map((b) => b.description);
    expect(descriptions).toContain('event #9 is missing (next present is #10)');
    expect(descriptions).toContain('event #10 does not link to the event before it');
  });

  it('detects a deleted tail through the head the database keeps', async () => {
    const head = (await verify()).headSeq;
    await tamper(`DELETE FROM mc.audit_events WHERE org_id = $1 AND seq >= $2`, [org.orgId, head - 1]);
    const descriptions = (await verify()).breaks.map((b) => b.description);
    expect(descriptions).toContain(`events after #${head - 2} are missing (the head is #${head})`);
  });

  it('shows the chain of one org only', async () => {
    const other = await createOrg(db, 'audit-other');
    const outsider = await coreOn(db, other.admin.email);
    try {
      const v = (await outsider.router.invoke('audit.verify', {}, DIRECT)) as { data: Response<'audit.verify'> };
      expect(v.data).toMatchObject({ ok: true, checked: 0, headSeq: 0 });
      const l = (await outsider.router.invoke('audit.list', { limit: 10 }, DIRECT)) as { data: Response<'audit.list'> };
      expect(l.data.events).toEqual([]);
    } finally {
      await outsider.cleanup();
    }
  });
});
