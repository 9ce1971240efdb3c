import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { ingestPool, seedGrid, seedKey, type TestGrid } from '../testing/grid';
import { sendBatch } from '../services/telemetry';
import { MAX_KEY_REFUSALS, type SimNode, Simulator } from './simulator';

/** The simulated agent against the real ingest function: what a real agent must get right. */
describe('node-agent simulator', () => {
  let db: TestDatabase;
  let org: TestOrg;
  let grid: TestGrid;
  let ingest: pg.Pool;

  const node = (key: string): SimNode => ({ id: grid.nodeId, hostname: 'fra-01-gpu01', key, longitude: 8.7, gpuCount: 8, gpuMemoryGb: 640, capacityTokensPerS: 20000 });
  const quiet = { badKeyRate: 0, badSampleRate: 0, rate: 1, batchSeconds: 5 };
  const stored = async () => {
    const c = await db.owner();
    try {
      return (await c.query<{ batches: number; samples: number }>(`SELECT count(*)::int AS batches, coalesce(sum(samples), 0)::int AS samples FROM mc.ingest_batches`)).rows[0]!;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    db = await migratedDatabase(testServers()[0]!);
    org = await createOrg(db, 'sim');
    grid = await seedGrid(db, org);
    ingest = await ingestPool(db);
  });
  afterAll(async () => {
    await ingest?.end();
    await db?.drop();
  });

  it('re-sends a batch whose answer was lost, and it counts once, in the database and in its own figures', async () => {
    const key = await seedKey(db, org, grid.nodeId);
    const before = await stored();
    let tries = 0;
    const batchIds: string[] = [];
    const sim = new Simulator(
      [node(key.secret)],
      async (b) => {
        batchIds.push(b.batchId);
        const out = await sendBatch(ingest, b);
        // The first answer is lost on the way back, after the database committed.
        if (++tries === 1) throw new Error('connection reset');
        return out;
      },
      quiet,
    );
    sim.retryDelayMs = 0;
    const out = await sim.sendOne(0);
    expect(out.status).toBe('duplicate');
    expect(batchIds).toHaveLength(2);
    expect(batchIds[1]).toBe(batchIds[0]);
    const after = await stored();
    expect(after.batches - before.batches).toBe(1);
    expect(sim.stats.accepted).toBe(after.samples - before.samples);
    expect(sim.stats.accepted).toBeGreaterThan(0);
    expect(sim.stats.duplicate).toBe(0);
  });

  it('lets an error through when the re-send fails too, and counts nothing', async () => {
    const key = await seedKey(db, org, grid.nodeId);
    const sim = new Simulator([node(key.secret)], async () => Promise.reject(new Error('database unreachable')), quiet);
    sim.retryDelayMs = 0;
    await expect(sim.sendOne(0)).rejects.toThrow('database unreachable');
    expect(sim.stats.accepted).toBe(0);
  });

  it(`stops a node whose own key is refused ${MAX_KEY_REFUSALS} times in a row`, async () => {
    const key = await seedKey(db, org, grid.nodeId, { revokedAt: new Date(Date.now() - 60_000).toISOString() });
    const sim = new Simulator([node(key.secret)], (b) => sendBatch(ingest, b), quiet);
    for (let i = 0; i < MAX_KEY_REFUSALS; i++) {
      expect(sim.silenced).toBe(0);
      expect((await sim.sendOne(0)).code).toBe('key_revoked');
    }
    expect(sim.silenced).toBe(1);
    expect(sim.stats.rejected).toEqual({ key_revoked: MAX_KEY_REFUSALS });
    // The pump would send this node's batch at once (it is due); it must leave it alone.
    sim.start();
    await expect.poll(() => sim.rounds).toBeGreaterThanOrEqual(3);
    await sim.stop();
    expect(sim.stats.batches).toBe(MAX_KEY_REFUSALS);
  });

  it('keeps a node going when its key works again before the limit', async () => {
    const good = await seedKey(db, org, grid.nodeId);
    let refuse = MAX_KEY_REFUSALS - 1;
    const sim = new Simulator(
      [node(good.secret)],
      async (b) => (refuse-- > 0 ? { status: 'rejected' as const, code: 'key_expired', message: 'The node key has expired.', accepted: null } : sendBatch(ingest, b)),
      quiet,
    );
    for (let i = 0; i < MAX_KEY_REFUSALS + 2; i++) await sim.sendOne(0);
    expect(sim.silenced).toBe(0);
    expect(sim.stats.rejected).toEqual({ key_expired: MAX_KEY_REFUSALS - 1 });
    expect(sim.stats.accepted).toBeGreaterThan(0);
  });
});
