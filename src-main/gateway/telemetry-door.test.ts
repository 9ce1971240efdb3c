import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueWorker } from '../services/telemetry/queue-worker';
import { sendBatch } from '../services/telemetry';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { ingestLogin, seedGrid, seedKey } from '../testing/grid';
import { startIngestProcess } from '../testing/ingest-process';
import { type IngestServer, startIngestServer } from './ingest-server';

const silent = pino({ level: 'silent' });

interface Sample {
  ts: string;
  metric: string;
  value: number;
}

/** Nine metrics at one-second steps ending `agoMs` before now; integer-valued so sums are exact. */
function samples(agoMs: number, sets = 1, base = 10): Sample[] {
  const names = ['gpu_util_pct', 'gpu_mem_used_mb', 'gpu_temp_c', 'power_w', 'energy_wh', 'tokens_per_s', 'p95_latency_ms', 'queue_depth', 'error_rate'];
  const out: Sample[] = [];
  for (let s = 0; s < sets; s++) {
    const ts = new Date(Date.now() - agoMs - s * 1000).toISOString();
    names.forEach((metric, i) => out.push({ ts, metric, value: metric === 'error_rate' ? (base % 2) * 0.5 : base + i + s }));
  }
  return out;
}

function native(batchId: string, ss: Sample[], agent = 'door test') {
  return { batch_id: batchId, ts: ss.map((s) => s.ts), metric: ss.map((s) => s.metric), value: ss.map((s) => s.value), agent };
}

async function post(url: string, key: string | null, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

describe.each(testServers().map((s) => [s.label, s] as const))('telemetry HTTP door on %s', (_label, server) => {
  let db: TestDatabase;
  let org: TestOrg;
  let other: TestOrg;
  let login: pg.ClientConfig;
  let nodes: { nodeId: string; key: { id: string; secret: string } }[];
  let otherKey: { id: string; secret: string };
  let door: IngestServer;
  let drainPool: pg.Pool;

  const one = async <T,>(text: string, params: unknown[] = []): Promise<T> => asOwner(db, null, async (c) => (await c.query(text, params)).rows[0] as T);
  const rows = async <T,>(text: string, params: unknown[] = []): Promise<T[]> => asOwner(db, null, async (c) => (await c.query(text, params)).rows as T[]);
  const queued = () => one<{ n: number }>('SELECT count(*)::int AS n FROM mc.ingest_queue').then((r) => r.n);
  const stored = (nodeId: string) => one<{ n: number }>('SELECT count(*)::int AS n FROM mc.telemetry WHERE node_id = $1', [nodeId]).then((r) => r.n);
  /** Drain the queue in this test's own worker until nothing is due. */
  const drain = async (w = new QueueWorker(drainPool, silent)) => {
    while ((await w.drainOnce()) > 0);
    return w;
  };

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'door');
    other = await createOrg(db, 'door-other');
    const grid = await seedGrid(db, org, 'door-01');
    nodes = [];
    for (let i = 0; i < 6; i++) {
      const nodeId = i === 0 ? grid.nodeId : (await seedGrid(db, org, `door-0${i + 1}`)).nodeId;
      nodes.push({ nodeId, key: await seedKey(db, org, nodeId) });
    }
    const og = await seedGrid(db, other, 'other-01');
    otherKey = await seedKey(db, other, og.nodeId);
    login = await ingestLogin(db);
    drainPool = new pg.Pool({ ...login, max: 2 });
    drainPool.on('error', () => undefined);
    // The door alone: the tests drain with their own worker, so they see what is queued.
    door = await startIngestServer({ db: login, port: 0, worker: false, log: silent });
  });
  afterAll(async () => {
    await door?.close();
    await drainPool?.end();
    await db?.drop();
  });

  it('acknowledges a batch once it is queued, writes it once, and answers a re-send as a duplicate', async () => {
    const n = nodes[0]!;
    const batchId = randomUUID();
    const body = native(batchId, samples(5000, 2));
    const first = await post(door.url, n.key.secret, body);
    expect(first).toMatchObject({ status: 200, body: { status: 'accepted', accepted: 18 } });
    expect(await queued()).toBe(1);
    const again = await post(door.url, n.key.secret, body);
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', accepted: 18 } });
    expect(await queued()).toBe(1);
    await drain();
    expect(await queued()).toBe(0);
    expect(await stored(n.nodeId)).toBe(18);
    const late = await post(door.url, n.key.secret, body);
    expect(late).toMatchObject({ status: 200, body: { status: 'duplicate', accepted: 18 } });
    await drain();
    expect(await stored(n.nodeId)).toBe(18);
    const key = await one<{ use_count: number; last_used_source: string }>('SELECT use_count, last_used_source FROM mc.node_keys WHERE id = $1', [n.key.id]);
    expect(key.use_count).toBe(1);
    expect(key.last_used_source).toBe('127.0.0.1 · agent says: door test');
  });

  it('writes exactly the rows the SQL function writes, with many batches coalesced into one write', async () => {
    const [a, b] = [nodes[1]!, nodes[2]!];
    const direct = new pg.Pool({ ...login, max: 1 });
    try {
      // In order, a late batch (older than the latest figures), batches that share a minute, and
      // one whose samples only partly overlap the metrics of the one before.
      const plan = [samples(40_000, 3, 10), samples(20_000, 2, 20), samples(90_000, 2, 30), samples(19_000, 1, 40).slice(0, 4), samples(1_000, 1, 50).slice(2)];
      for (const ss of plan) {
        const out = await sendBatch(direct, { key: a.key.secret, batchId: randomUUID(), samples: ss, agent: 'x' });
        expect(out.status).toBe('accepted');
        const res = await post(door.url, b.key.secret, native(randomUUID(), ss));
        expect(res.status).toBe(200);
      }
      expect(await queued()).toBe(plan.length);
      const w = await drain();
      // All five batches went in one write.
      expect(w.stats).toMatchObject({ batches: plan.length, failures: 0 });
    } finally {
      await direct.end();
    }
    const of = async (node: string) => ({
      raw: await rows('SELECT ts, metric, value FROM mc.telemetry WHERE node_id = $1 ORDER BY ts, metric, value', [node]),
      rollups: await rows('SELECT metric, minute, n, sum, min, max, last, last_ts FROM mc.telemetry_rollups_1m WHERE node_id = $1 ORDER BY metric, minute', [node]),
      latest: await rows(
        'SELECT seen_at, gpu_util_pct, gpu_mem_used_mb, gpu_temp_c, power_w, energy_wh, tokens_per_s, p95_latency_ms, queue_depth, error_rate FROM mc.node_latest WHERE node_id = $1',
        [node],
      ),
      batches: await rows('SELECT samples FROM mc.ingest_batches WHERE node_id = $1 ORDER BY samples', [node]),
      org: await rows('SELECT DISTINCT org_id FROM mc.telemetry WHERE node_id = $1', [node]),
    });
    const viaSql = await of(a.nodeId);
    const viaDoor = await of(b.nodeId);
    expect(viaSql.raw.length).toBe(9 * 3 + 9 * 2 + 9 * 2 + 4 + 7);
    expect(viaDoor).toEqual(viaSql);
  });

  it('drains in parallel loops, each taking only its share of the nodes; together they write every batch once', async () => {
    // Nodes of its own: other tests count their nodes' rows.
    const mine: typeof nodes = [];
    for (let i = 0; i < 6; i++) {
      const nodeId = (await seedGrid(db, org, `door-share-0${i}`)).nodeId;
      mine.push({ nodeId, key: await seedKey(db, org, nodeId) });
    }
    const before = await Promise.all(mine.map((n) => stored(n.nodeId)));
    for (const n of mine) expect((await post(door.url, n.key.secret, native(randomUUID(), samples(4000)))).status).toBe(200);
    const share = await rows<{ node_id: string; part: number }>('SELECT node_id, get_byte(uuid_send(node_id), 15) % 2 AS part FROM mc.ingest_queue ORDER BY node_id');
    expect(share).toHaveLength(mine.length);
    const w = new QueueWorker(drainPool, silent, { parallel: 2 });
    while ((await w.drainOnce(0)) > 0);
    // Share 0 is written; share 1 untouched, still queued.
    const left = await rows<{ node_id: string }>('SELECT node_id FROM mc.ingest_queue ORDER BY node_id');
    expect(left.map((r) => r.node_id)).toEqual(share.filter((r) => r.part === 1).map((r) => r.node_id));
    while ((await w.drainOnce(1)) > 0);
    expect(await queued()).toBe(0);
    expect(await Promise.all(mine.map((n) => stored(n.nodeId)))).toEqual(before.map((b) => b + 9));
    expect(w.stats.batches).toBe(mine.length);
  });

  it('lingers after writing a small group: a batch queued meanwhile waits for the next claim (new batches do not cut it short), and stop ends the linger at once', async () => {
    const nodeId = (await seedGrid(db, org, 'door-linger')).nodeId;
    const key = await seedKey(db, org, nodeId);
    const w = new QueueWorker(drainPool, silent, { parallel: 1, idleMs: 20, lingerMs: 10_000 });
    try {
      w.start();
      expect((await post(door.url, key.secret, native(randomUUID(), samples(5500)))).status).toBe(200);
      w.poke();
      for (let i = 0; i < 400 && w.stats.batches < 1; i++) await new Promise((r) => setTimeout(r, 25));
      expect(w.stats.batches).toBe(1);
      expect((await post(door.url, key.secret, native(randomUUID(), samples(5600)))).status).toBe(200);
      w.poke();
      await new Promise((r) => setTimeout(r, 500));
      expect(await queued()).toBe(1);
      expect(w.stats.batches).toBe(1);
    } finally {
      const t0 = Date.now();
      await w.stop();
      // The linger had over nine seconds left: stop did not wait for it.
      expect(Date.now() - t0).toBeLessThan(5000);
    }
    await drain();
    expect(await stored(nodeId)).toBe(18);
  });

  it('refuses a linger that is not a whole number of milliseconds from 0 to 10000', async () => {
    expect(() => new QueueWorker(drainPool, silent, { lingerMs: -1 })).toThrow(/lingerMs must be a whole number of milliseconds from 0 to 10000/);
    expect(() => new QueueWorker(drainPool, silent, { lingerMs: 1.5 })).toThrow(/lingerMs must be/);
    expect(() => new QueueWorker(drainPool, silent, { lingerMs: 10_001 })).toThrow(/lingerMs must be/);
  });

  it('refuses a drain share that does not exist, claiming nothing', async () => {
    expect(() => new QueueWorker(drainPool, silent, { parallel: 0 })).toThrow(/parallel must be a whole number from 1 to 64/);
    expect(() => new QueueWorker(drainPool, silent, { parallel: 65 })).toThrow(/parallel must be a whole number from 1 to 64/);
    const nodeId = (await seedGrid(db, org, 'door-share-bad')).nodeId;
    const key = await seedKey(db, org, nodeId);
    expect((await post(door.url, key.secret, native(randomUUID(), samples(4500)))).status).toBe(200);
    for (const [part, parts] of [[2, 2], [-1, 2], [0, 0], [0, 65]] as const) {
      await expect(drainPool.query('SELECT mc.ingest_claim(10, $1, $2)', [part, parts])).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/is not a share of the queue/) });
    }
    expect(await queued()).toBe(1);
    await drain();
    expect(await queued()).toBe(0);
  });

  it('accepts the seed shape and answers {"inserted": N}; the same body again counts once', async () => {
    const n = nodes[3]!;
    const body = { project_id: org.orgId, ts: new Date(Date.now() - 3000).toISOString(), samples: [{ metric: 'gpu_util_pct', value: 45.2 }, { metric: 'gpu_mem_used_mb', value: 1024 }] };
    expect(await post(door.url, n.key.secret, body)).toMatchObject({ status: 200, body: { inserted: 2 } });
    expect(await post(door.url, n.key.secret, body)).toMatchObject({ status: 200, body: { inserted: 0, duplicate: true } });
    await drain();
    expect(await stored(n.nodeId)).toBe(2);
    const wrongProject = await post(door.url, n.key.secret, { ...body, project_id: other.orgId });
    expect(wrongProject).toMatchObject({ status: 400, body: { code: 'batch_invalid', message: expect.stringMatching(/project_id must be the id of the org/) } });
  });

  it('refuses bad keys, malformed and oversized bodies, too many samples and samples out of the window, storing nothing and recording each refusal without the secret', async () => {
    const n = nodes[4]!;
    const before = await stored(n.nodeId);
    const unknownKey = `ume_node_${'A'.repeat(38)}`;
    const good = () => native(randomUUID(), samples(2000));

    expect(await post(door.url, null, good())).toMatchObject({ status: 401, body: { code: 'key_malformed' } });
    expect(await post(door.url, 'not-a-key', good())).toMatchObject({ status: 401, body: { code: 'key_malformed' } });
    expect(await post(door.url, unknownKey, good())).toMatchObject({ status: 401, body: { code: 'key_invalid', message: 'The node key is not known.' } });

    const malformed = await post(door.url, n.key.secret, '{"batch_id": "x", ');
    expect(malformed).toMatchObject({ status: 400, body: { code: 'malformed', message: expect.stringMatching(/not a JSON batch/) } });
    const wrongShape = await post(door.url, n.key.secret, { batch_id: randomUUID(), ts: ['yesterday'], metric: ['gpu_util_pct'], value: [1] });
    expect(wrongShape).toMatchObject({ status: 400, body: { code: 'malformed', message: expect.stringMatching(/expected shape.*ts\/0/) } });
    const notADay = await post(door.url, n.key.secret, native(randomUUID(), [{ ts: '2026-02-31T10:00:00Z', metric: 'gpu_util_pct', value: 1 }]));
    expect(notADay).toMatchObject({ status: 400, body: { code: 'malformed', message: expect.stringMatching(/ts\[0\].*not a real date/) } });
    // Each distinct timestamp is checked once: a bad one after repeats of a good one is still found.
    const good2 = '2026-02-28T10:00:00Z';
    const laterNotADay = await post(door.url, n.key.secret, native(randomUUID(), [good2, good2, '2026-02-30T10:00:00Z', good2].map((ts) => ({ ts, metric: 'gpu_util_pct', value: 1 }))));
    expect(laterNotADay).toMatchObject({ status: 400, body: { code: 'malformed', message: expect.stringMatching(/ts\[2\].*2026-02-30.*not a real date/) } });

    const big = `{"batch_id":"${randomUUID()}","metric":[],"value":[],"ts":[${Array(50_000).fill('"2026-01-01T00:00:00Z"').join(',')}]}`;
    const oversized = await post(door.url, n.key.secret, big);
    expect(oversized).toMatchObject({ status: 413, body: { code: 'body_too_large' } });

    const many = Array.from({ length: 10_001 }, (_, i) => ({ ts: new Date(Date.now() - 5000).toISOString(), metric: 'gpu_util_pct', value: i % 100 }));
    expect(await post(door.url, n.key.secret, native(randomUUID(), many))).toMatchObject({ status: 413, body: { code: 'batch_too_large' } });

    const outOfWindow = [...samples(2000), { ts: new Date(Date.now() + 3_600_000).toISOString(), metric: 'gpu_util_pct', value: 1 }, { ts: new Date(Date.now() - 40 * 86_400_000).toISOString(), metric: 'gpu_util_pct', value: 1 }];
    const refused = await post(door.url, n.key.secret, native(randomUUID(), outOfWindow));
    expect(refused).toMatchObject({
      status: 422,
      body: { code: 'sample_invalid', errors: [{ index: 9, reason: 'timestamp more than 5 minutes in the future' }, { index: 10, reason: 'timestamp older than the 30-day retention' }] },
    });
    const unknownMetric = await post(door.url, n.key.secret, native(randomUUID(), [{ ts: new Date().toISOString(), metric: 'cpu_pct', value: 1 }]));
    expect(unknownMetric).toMatchObject({ status: 422, body: { errors: [{ index: 0, reason: 'unknown metric cpu_pct' }] } });

    expect(await queued()).toBe(0);
    await drain();
    expect(await stored(n.nodeId)).toBe(before);
    const recorded = await rows<{ org_id: string | null; reason: string; count: number; source: string; last_detail: string | null }>(
      'SELECT org_id, reason, count::int, source, last_detail FROM mc.ingest_rejections ORDER BY reason',
    );
    const reasons = Object.fromEntries(recorded.map((r) => [r.reason, r.count]));
    expect(reasons).toMatchObject({ key_malformed: 2, key_invalid: 1, batch_invalid: 2, batch_too_large: 1, sample_invalid: 2 });
    expect(recorded.find((r) => r.reason === 'batch_too_large')).toMatchObject({ org_id: org.orgId, last_detail: '10001 samples' });
    const everything = JSON.stringify(await rows('SELECT * FROM mc.ingest_rejections')) + JSON.stringify(await rows('SELECT * FROM mc.ingest_queue'));
    for (const secret of [n.key.secret, unknownKey]) expect(everything).not.toContain(secret);
  });

  it('refuses a node key of an org its login does not serve with 403 login_unbound, queueing and recording nothing for that org', async () => {
    const stranger = await createOrg(db, `door-unbound-${randomUUID().slice(0, 8)}`);
    const grid = await seedGrid(db, stranger, 'stranger-01');
    const key = await seedKey(db, stranger, grid.nodeId);
    const before = await queued();
    const res = await post(door.url, key.secret, native(randomUUID(), samples(1000, 1)));
    expect(res).toMatchObject({ status: 403, body: { status: 'rejected', code: 'login_unbound' } });
    expect(await queued()).toBe(before);
    const counts = await asOwner(db, null, async (c) =>
      (await c.query<{ q: number; r: number; u: number }>(
        `SELECT (SELECT count(*)::int FROM mc.ingest_queue WHERE org_id = $1) AS q, (SELECT count(*)::int FROM mc.ingest_rejections WHERE org_id = $1) AS r,
                (SELECT use_count FROM mc.node_keys WHERE id = $2) AS u`,
        [stranger.orgId, key.id],
      )).rows[0]!,
    );
    expect(counts).toEqual({ q: 0, r: 0, u: 0 });
    // A revoked key of that org is refused the same way: the door does not learn (or record in
    // that org) whether a key of an org it does not serve was revoked.
    const revoked = await seedKey(db, stranger, grid.nodeId, { revokedAt: new Date(Date.now() - 60_000).toISOString() });
    const res2 = await post(door.url, revoked.secret, native(randomUUID(), samples(1000, 1)));
    expect(res2).toMatchObject({ status: 403, body: { status: 'rejected', code: 'login_unbound' } });
    const after = await asOwner(db, null, async (c) => (await c.query<{ r: number }>('SELECT count(*)::int AS r FROM mc.ingest_rejections WHERE org_id = $1', [stranger.orgId])).rows[0]!.r);
    expect(after).toBe(0);
  });

  it('retries a batch that fails with backoff, writes its neighbours, and dead-letters it with the reason after the last attempt', async () => {
    const [good, bad] = [nodes[5]!, nodes[0]!];
    // A real failure inside the write: the database refuses this node's latest figures.
    await asOwner(db, null, async (c) => {
      await c.query(`CREATE FUNCTION mc.test_refuse_node() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.node_id = '${bad.nodeId}' THEN RAISE EXCEPTION 'disk says no for this node'; END IF; RETURN NEW; END $$`);
      await c.query('CREATE TRIGGER test_refuse_node BEFORE INSERT OR UPDATE ON mc.node_latest FOR EACH ROW EXECUTE FUNCTION mc.test_refuse_node()');
    });
    try {
      const goodBefore = await stored(good.nodeId);
      const badBefore = await stored(bad.nodeId);
      expect((await post(door.url, good.key.secret, native(randomUUID(), samples(3000)))).status).toBe(200);
      const badBatch = randomUUID();
      expect((await post(door.url, bad.key.secret, native(badBatch, samples(3000)))).status).toBe(200);
      const w = new QueueWorker(drainPool, silent, { maxAttempts: 3, backoffBaseMs: 20 });
      // First pass: both together fail; then each alone, after its backoff.
      for (let i = 0; i < 200 && (await queued()) > 0; i++) {
        await w.drainOnce();
        await new Promise((r) => setTimeout(r, 15));
      }
      expect(await queued()).toBe(0);
      expect(await stored(good.nodeId)).toBe(goodBefore + 9);
      expect(await stored(bad.nodeId)).toBe(badBefore);
      const dead = await rows<{ batch_id: string; attempts: number; reason: string; org_id: string }>('SELECT batch_id, attempts, reason, org_id FROM mc.ingest_dead_letters');
      expect(dead).toEqual([{ batch_id: badBatch, attempts: 3, reason: expect.stringMatching(/^P0001: disk says no for this node/), org_id: org.orgId }]);
      expect(w.stats.deadLettered).toBe(1);
      const health = await (await fetch(`${door.url}/healthz`)).json();
      await new Promise((r) => setTimeout(r, 300));
      const later = await (await fetch(`${door.url}/healthz`)).json();
      expect([health, later]).toContainEqual(expect.objectContaining({ status: 'ok', queue: expect.objectContaining({ deadLetters: 1 }) }));
    } finally {
      await asOwner(db, null, async (c) => {
        await c.query('DROP TRIGGER test_refuse_node ON mc.node_latest');
        await c.query('DROP FUNCTION mc.test_refuse_node()');
      });
    }
  });

  it('answers 429 with Retry-After when the queue is over its bound, and when an org is over its rate', async () => {
    const small = await startIngestServer({ db: login, port: 0, worker: false, maxQueueDepth: 3, orgRate: { perSecond: 1, burst: 2 }, log: silent });
    try {
      const n = nodes[1]!;
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof post>> | null = null;
      for (let i = 0; i < 4 && !limited; i++) {
        const r = await post(small.url, n.key.secret, native(randomUUID(), samples(2000)));
        statuses.push(r.status);
        if (r.status === 429) limited = r;
      }
      expect(limited).toMatchObject({ body: { code: 'rate_limited' } });
      expect(Number(limited!.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);

      // Other org, same door: its own bucket. Fill the queue past 3 and wait for the door to see it.
      let full: Awaited<ReturnType<typeof post>> | null = null;
      for (let i = 0; i < 100 && !full; i++) {
        const r = await post(small.url, otherKey.secret, native(randomUUID(), samples(2000)));
        if (r.status === 429 && r.body.code === 'queue_full') full = r;
        else if (r.status !== 200 && r.body.code !== 'rate_limited') throw new Error(`unexpected ${r.status} ${JSON.stringify(r.body)}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(full).toMatchObject({ status: 429, retryAfter: '5', body: { message: expect.stringMatching(/over its bound/) } });
      expect(await queued()).toBeGreaterThanOrEqual(3);
      // Nothing drains this queue: the door keeps refusing, whoever sends.
      const depthNow = await queued();
      expect(await post(small.url, nodes[2]!.key.secret, native(randomUUID(), samples(2000)))).toMatchObject({ status: 429, body: { code: 'queue_full' } });
      expect(await queued()).toBe(depthNow);
    } finally {
      await small.close();
      await drain();
    }
  });

  it('kill -9 of the server under load: every acknowledged batch lands exactly once, and re-sending the rest completes the set', async () => {
    const start = () => startIngestProcess(login);
    await drain();
    const totalBefore = (await one<{ n: number }>('SELECT count(*)::int AS n FROM mc.telemetry')).n;
    const { child, url } = await start();
    const sent = new Map<string, { key: string; body: unknown; nodeId: string }>();
    const acked = new Set<string>();
    let dead = false;
    const sender = async (lane: number) => {
      const n = nodes[lane % nodes.length]!;
      while (!dead) {
        const id = randomUUID();
        const body = native(id, samples(4000 + lane));
        sent.set(id, { key: n.key.secret, body, nodeId: n.nodeId });
        try {
          const r = await post(url, n.key.secret, body);
          if (r.status === 200 && r.body.status === 'accepted') acked.add(id);
        } catch {
          // The connection died with the server: this batch was not acknowledged.
        }
      }
    };
    const lanes = Array.from({ length: 8 }, (_, i) => sender(i));
    while (acked.size < 150) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    dead = true;
    await Promise.all(lanes);
    const ids = [...sent.keys()];

    // What the queue and the tables hold: each batch at most once, every acknowledged one present.
    const held = async () => {
      const r = await rows<{ batch_id: string }>(
        'SELECT batch_id FROM mc.ingest_queue WHERE batch_id = ANY($1::uuid[]) UNION ALL SELECT batch_id FROM mc.ingest_batches WHERE batch_id = ANY($1::uuid[])',
        [ids],
      );
      return r.map((x) => x.batch_id);
    };
    const afterKill = await held();
    expect(new Set(afterKill).size).toBe(afterKill.length);
    for (const id of acked) expect(afterKill).toContain(id);

    // A new server drains what the dead one queued; the agents re-send what was never answered.
    const next = await start();
    try {
      for (const [id, s] of sent) {
        if (acked.has(id)) continue;
        const r = await post(next.url, s.key, s.body);
        expect(r.status).toBe(200);
      }
      for (let i = 0; i < 300 && (await queued()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await queued()).toBe(0);
    } finally {
      next.child.kill('SIGTERM');
    }
    const final = await rows<{ batch_id: string; samples: number }>('SELECT batch_id, samples FROM mc.ingest_batches WHERE batch_id = ANY($1::uuid[])', [ids]);
    expect(final.length).toBe(sent.size);
    const total = await one<{ n: number }>('SELECT count(*)::int AS n FROM mc.telemetry');
    expect(total.n).toBe(totalBefore + 9 * sent.size);
    expect(final.reduce((s, r) => s + r.samples, 0)).toBe(9 * sent.size);
  }, 120_000);
});
