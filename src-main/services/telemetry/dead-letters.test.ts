import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../../src-shared/contract';
import { appPool, asApp, asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../../testing/db';
import { seedGrid, seedKey, type TestGrid } from '../../testing/grid';
import { call, coreOn, refused } from '../../testing/harness';
import { needKeychain } from '../../testing/keychain-gate';

const ok = await needKeychain();
type Core = Awaited<ReturnType<typeof coreOn>>;

// The telemetry door's dead letters (issue 17): visible with their reasons, replayed onto the
// queue or discarded by a member who can write, with an audited reason; nothing else changes.
describe.skipIf(!ok)('telemetry dead letters', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let other: TestOrg;
  let grid: TestGrid;
  let operator: Core;
  let auditor: Core;
  let outsider: Core;
  let keyId: string;
  const batch = () => crypto.randomUUID();

  /** A dead letter as the worker writes one after its last failed attempt. */
  async function deadLetter(o: TestOrg, nodeId: string, seq: number, reason: string, batchId = batch()): Promise<string> {
    await asOwner(db, o.orgId, (c) =>
      c.query(
        `INSERT INTO mc.ingest_dead_letters (seq, org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at, attempts, reason)
         VALUES ($1, $2, $3, $4, $5, ARRAY[now(), now()], ARRAY[1, 2]::smallint[], ARRAY[50, 60]::float8[], '10.0.0.7', now() - interval '1 hour', 5, $6)`,
        [seq, o.orgId, nodeId, keyId, batchId, reason],
      ),
    );
    return batchId;
  }
  const stored = () =>
    asOwner(db, null, async (c) => ({
      dead: (await c.query('SELECT seq::int FROM mc.ingest_dead_letters ORDER BY seq')).rows.map((r) => r.seq),
      queued: (await c.query('SELECT batch_id, attempts FROM mc.ingest_queue ORDER BY seq')).rows,
    }));

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'dlq');
    other = await createOrg(db, 'dlq-other');
    grid = await seedGrid(db, org);
    keyId = (await seedKey(db, org, grid.nodeId)).id;
    operator = await coreOn(db, org.operator.email);
    auditor = await coreOn(db, org.auditor.email);
    outsider = await coreOn(db, other.admin.email);
  });
  afterAll(async () => {
    for (const c of [operator, auditor, outsider]) await c?.cleanup();
    await db?.drop();
  });

  it('is empty with nothing queued, then lists the dead letters with their reasons grouped, newest first', async () => {
    expect(await call<Response<'telemetry.deadLetters'>>(operator, 'telemetry.deadLetters', {})).toEqual({
      waiting: 0,
      waitingSince: null,
      processing: { windowMinutes: 15, batches: 0, p50Ms: null, p95Ms: null, maxMs: null },
      deadLetters: 0,
      oldestDeadLetterAt: null,
      reasons: [],
      items: [],
    });
    await deadLetter(org, grid.nodeId, 101, 'deadlock detected');
    await deadLetter(org, grid.nodeId, 102, 'deadlock detected');
    await deadLetter(org, grid.nodeId, 103, 'statement timeout');
    const d = await call<Response<'telemetry.deadLetters'>>(operator, 'telemetry.deadLetters', {});
    expect(d).toMatchObject({ deadLetters: 3, reasons: [{ reason: 'deadlock detected', count: 2 }, { reason: 'statement timeout', count: 1 }] });
    expect(d.items[0]).toMatchObject({ hostname: 'fra-01-gpu01', samples: 2, attempts: 5, source: '10.0.0.7' });
    // Another org sees none of them.
    expect((await call<Response<'telemetry.deadLetters'>>(outsider, 'telemetry.deadLetters', {})).deadLetters).toBe(0);
  });

  it('refuses what it must, changing nothing: an auditor, no reason, another org’s or a gone seq, and the database refuses an auditor too', async () => {
    const before = await stored();
    expect(await refused(auditor, 'telemetry.resolveDeadLetters', { seqs: [101], action: 'replay', reason: 'retry it' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(operator, 'telemetry.resolveDeadLetters', { seqs: [101], action: 'replay', reason: '' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(operator, 'telemetry.resolveDeadLetters', { seqs: [], action: 'discard', reason: 'nothing' })).toMatchObject({ code: 'VALIDATION' });
    expect(await refused(outsider, 'telemetry.resolveDeadLetters', { seqs: [101], action: 'discard', reason: 'not mine' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refused(operator, 'telemetry.resolveDeadLetters', { seqs: [101, 999], action: 'discard', reason: 'one is gone' })).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Dead letter #999 is not in this org’s dead letters (replayed or discarded already?): reload and choose again. Nothing was changed.',
    });
    // The database itself: an auditor's own statement reaches no row.
    const pool = await appPool(db);
    try {
      const n = await asApp(pool, org.auditor, async (sql) => (await sql.query(`WITH gone AS (DELETE FROM mc.ingest_dead_letters RETURNING 1) SELECT count(*)::int AS n FROM gone`))[0]);
      expect(n).toEqual({ n: 0 });
    } finally {
      await pool.end();
    }
    expect(await stored()).toEqual(before);
  });

  it('replays onto the queue from attempt zero and discards, each audited with the reason; a twin already queued counts once', async () => {
    const twin = await asOwner(db, null, async (c) => (await c.query('SELECT batch_id FROM mc.ingest_dead_letters WHERE seq = 102')).rows[0].batch_id as string);
    // The same batch re-sent by its agent meanwhile and queued again.
    await asOwner(db, org.orgId, (c) =>
      c.query(`INSERT INTO mc.ingest_queue (org_id, node_id, key_id, batch_id, ts, metric, value, source) VALUES ($1, $2, $3, $4, ARRAY[now()], ARRAY[1]::smallint[], ARRAY[1]::float8[], 'agent')`, [org.orgId, grid.nodeId, keyId, twin]),
    );
    const replayed = await call<Response<'telemetry.resolveDeadLetters'>>(operator, 'telemetry.resolveDeadLetters', { seqs: [101, 102], action: 'replay', reason: 'database was restarted; retry' });
    expect(replayed).toEqual({ resolved: 2 });
    const s = await stored();
    expect(s.dead).toEqual([103]);
    expect(s.queued).toHaveLength(2);
    expect(s.queued.every((q: { attempts: number }) => q.attempts === 0)).toBe(true);
    const discarded = await call<Response<'telemetry.resolveDeadLetters'>>(operator, 'telemetry.resolveDeadLetters', { seqs: [103], action: 'discard', reason: 'samples from a decommissioned test rig' });
    expect(discarded).toEqual({ resolved: 1 });
    const events = (await call<Response<'audit.list'>>(operator, 'audit.list', { limit: 5, filter: { action: 'telemetry' } })).events;
    expect(events.map((e) => ({ action: e.action, reason: e.reason, data: e.data }))).toEqual([
      { action: 'telemetry.dead_letters_discarded', reason: 'samples from a decommissioned test rig', data: { seqs: [103], batches: 1, samples: 2 } },
      { action: 'telemetry.dead_letters_replayed', reason: 'database was restarted; retry', data: { seqs: [101, 102], batches: 2, samples: 4 } },
    ]);
    expect(await call<Response<'telemetry.deadLetters'>>(operator, 'telemetry.deadLetters', {})).toMatchObject({ waiting: 2, deadLetters: 0 });
  });

  it('times queued batches from acknowledgement to write: p50, p95 and max over the last 15 minutes, the direct path and other orgs left out', async () => {
    // Twenty batches acknowledged 1 … 20 s ago, written now by the worker's own function; one
    // acknowledged an hour ago (outside the window); one written by the direct SQL path (no queue).
    // The batches an earlier test left queued are written first and their times cleared, so that
    // only these are timed.
    await asOwner(db, null, (c) => c.query('SELECT mc.ingest_write(array_agg(seq)) FROM mc.ingest_queue'));
    await asOwner(db, null, (c) => c.query('UPDATE mc.ingest_batches SET written_at = NULL'));
    const seqs = await asOwner(db, org.orgId, async (c) => {
      const made: string[] = [];
      for (const ago of [...Array.from({ length: 20 }, (_, i) => `${i + 1} seconds`), '1 hour']) {
        const r = await c.query<{ seq: string }>(
          `INSERT INTO mc.ingest_queue (org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at)
           VALUES ($1, $2, $3, $4, ARRAY[now()], ARRAY[1]::smallint[], ARRAY[1]::float8[], 'agent', now() - $5::interval) RETURNING seq::text`,
          [org.orgId, grid.nodeId, keyId, batch(), ago],
        );
        made.push(r.rows[0]!.seq);
      }
      await c.query(`INSERT INTO mc.ingest_batches (org_id, node_id, batch_id, key_id, samples) VALUES ($1, $2, $3, $4, 1)`, [org.orgId, grid.nodeId, batch(), keyId]);
      return made;
    });
    await asOwner(db, null, (c) => c.query('SELECT mc.ingest_write($1::bigint[])', [seqs]));
    const { processing, waiting } = await call<Response<'telemetry.deadLetters'>>(operator, 'telemetry.deadLetters', {});
    expect(waiting).toBe(0);
    expect(processing.batches).toBe(20);
    // 1 … 20 s plus the moment the write took: percentile_cont over the twenty.
    expect(processing.p50Ms! / 1000).toBeCloseTo(10.5, 0);
    expect(processing.p95Ms! / 1000).toBeCloseTo(19.05, 0);
    expect(processing.maxMs! / 1000).toBeCloseTo(20, 0);
    expect(processing.p95Ms!).toBeLessThan(processing.maxMs!);
    expect((await call<Response<'telemetry.deadLetters'>>(outsider, 'telemetry.deadLetters', {})).processing).toMatchObject({ batches: 0, p95Ms: null });
  });
});
