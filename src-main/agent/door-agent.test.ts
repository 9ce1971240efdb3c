import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../db/free-port';
import { startIngestServer } from '../gateway/ingest-server';
import { type Batch, sendBatch } from '../services/telemetry';
import { asOwner, createOrg, migratedDatabase, type TestDatabase, type TestOrg, testServers } from '../testing/db';
import { ingestLogin, seedGrid, seedKey } from '../testing/grid';
import { type IngestProcess, killHard, startIngestProcess } from '../testing/ingest-process';
import { postToDoor } from './door-client';
import { type SimNode, Simulator } from './simulator';
import { DoorSpool, SpoolDropped } from './spool';

const silent = pino({ level: 'silent' });
const root = join(__dirname, '..', '..');

async function until(what: string | (() => string), ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function simNode(nodeId: string, key: string, hostname: string): SimNode {
  return { id: nodeId, hostname, key, longitude: 8.7, gpuCount: 8, gpuMemoryGb: 640, capacityTokensPerS: 20_000 };
}

describe.each(testServers().map((s) => [s.label, s] as const))('node agents through the HTTP door on %s', (_label, server) => {
  let db: TestDatabase;
  let org: TestOrg;
  let login: pg.ClientConfig & { user: string; password: string };
  const nodes: SimNode[] = [];
  const stopping = new AbortController();

  const one = async <T,>(text: string, params: unknown[] = []): Promise<T> => asOwner(db, null, async (c) => (await c.query(text, params)).rows[0] as T);
  const rows = async <T,>(text: string, params: unknown[] = []): Promise<T[]> => asOwner(db, null, async (c) => (await c.query(text, params)).rows as T[]);
  const queued = () => one<{ n: number }>('SELECT count(*)::int AS n FROM mc.ingest_queue').then((r) => r.n);
  /** The database as its superuser from another database (this one may refuse connections). */
  const admin = async (text: string) => {
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    db = await migratedDatabase(server);
    org = await createOrg(db, 'agents');
    for (let i = 0; i < 8; i++) {
      const hostname = `agent-0${i + 1}`;
      const { nodeId } = await seedGrid(db, org, hostname);
      nodes.push(simNode(nodeId, (await seedKey(db, org, nodeId)).secret, hostname));
    }
    login = await ingestLogin(db);
  });
  afterAll(async () => {
    stopping.abort();
    await db?.drop();
  });

  it('kill -9 of the door and a database outage mid-run: every sample the agent generated lands exactly once', async () => {
    const port = await freeLoopbackPort();
    const fleet = nodes.slice(0, 4);
    let door: IngestProcess = await startIngestProcess(login, port);
    const said: string[] = [];
    const spoolStop = new AbortController();
    const spool = new DoorSpool((b, s) => postToDoor(door.url, b, s), door.url, (l) => said.push(l), spoolStop.signal, { initialDelayMs: 50, maxDelayMs: 500 });
    const generated = new Map<string, number>();
    const sink = (b: Batch) => {
      generated.set(b.batchId, b.samples.length);
      return spool.send(b);
    };
    // Four agents, a batch (one set of the nine metrics) every 200 ms each.
    const sim = new Simulator(fleet, sink, { rate: 5, batchSeconds: 0.2, badKeyRate: 0, badSampleRate: 0, incidentChance: 0, maxInFlight: 100_000 });
    sim.retryDelayMs = 50;
    sim.start();
    try {
      await until('first batches', () => spool.stats.sent >= 20);
      await killHard(door);
      await until('the agent to notice', () => spool.waitingFor !== null);
      await new Promise((r) => setTimeout(r, 500));
      expect(spool.held).toBeGreaterThan(0);
      door = await startIngestProcess(login, port);
      let sent = spool.stats.sent;
      await until('the agent to reconnect to the new door', () => spool.waitingFor === null && spool.stats.sent >= sent + 20);

      // The database goes away under the running door: connections cut and refused for a while.
      await admin(`ALTER DATABASE ${db.target.database} ALLOW_CONNECTIONS false`);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.target.database}'`);
      await until('the agent to wait for the database', () => spool.waitingFor !== null, 20_000);
      await new Promise((r) => setTimeout(r, 1000));
      await admin(`ALTER DATABASE ${db.target.database} ALLOW_CONNECTIONS true`);
      sent = spool.stats.sent;
      await until(() => `the agent to get through again (${said.slice(-3).join(' | ')})`, () => spool.waitingFor === null && spool.stats.sent >= sent + 20, 120_000);
    } finally {
      // Stopping the simulator waits until every batch it made has a final answer.
      // Bounded: if the agent never gets through, the spool gives up and the counts below fail.
      const giveUp = setTimeout(() => spoolStop.abort(), 30_000);
      await sim.stop();
      clearTimeout(giveUp);
    }
    try {
      await until('the queue to drain', async () => (await queued()) === 0);
    } finally {
      await killHard(door);
    }

    expect(spool.stats).toMatchObject({ dropped: 0 });
    expect(spool.stats.resends).toBeGreaterThan(0);
    expect(sim.stats).toMatchObject({ failed: 0, rejected: {}, duplicate: 0 });
    const samples = [...generated.values()].reduce((a, b) => a + b, 0);
    expect(sim.stats.samples).toBe(samples);
    expect(sim.stats.accepted).toBe(samples);
    const ids = [...generated.keys()];
    const landed = await rows<{ batch_id: string; samples: number }>('SELECT batch_id, samples FROM mc.ingest_batches WHERE batch_id = ANY($1::uuid[])', [ids]);
    expect(landed.map((r) => r.batch_id).sort()).toEqual([...ids].sort());
    const total = await one<{ n: number }>('SELECT count(*)::int AS n FROM mc.telemetry WHERE node_id = ANY($1::uuid[])', [fleet.map((n) => n.id)]);
    expect(total.n).toBe(samples);
    expect(await rows('SELECT 1 FROM mc.ingest_dead_letters')).toEqual([]);
    expect(said.filter((l) => /waiting for the door at/.test(l)).length).toBeGreaterThanOrEqual(2);
    // Twice: after the kill, and while the database was away.
    expect(said.filter((l) => /answers again/.test(l)).length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('holds batches while the door is away up to its bound, then drops the oldest waiting ones, counted and said', async () => {
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const said: string[] = [];
    const spool = new DoorSpool((b, s) => postToDoor(url, b, s), url, (l) => said.push(l), stopping.signal, { maxBatches: 5, concurrency: 1, initialDelayMs: 50, maxDelayMs: 200 });
    const n = nodes[4]!;
    const batches = Array.from({ length: 8 }, (_, i) => ({
      key: n.key,
      batchId: randomUUID(),
      samples: [{ ts: new Date(Date.now() - 10_000 + i * 100), metric: 'gpu_util_pct', value: 40 + i }],
      agent: 'spool test',
    }));
    // Nothing listens yet: the first goes out and fails; the other seven wait, two over the bound.
    const answers = batches.map((b) => spool.send(b).then((o) => o, (e: Error) => e));
    const dropped = await Promise.all([answers[1], answers[2]]);
    for (const e of dropped) expect(e).toBeInstanceOf(SpoolDropped);
    expect(spool.stats).toMatchObject({ dropped: 2, droppedSamples: 2 });
    expect(said.some((l) => /spool is full \(5 batches\); dropping the oldest/.test(l))).toBe(true);
    const door = await startIngestProcess(login, port);
    try {
      const rest = await Promise.all([answers[0], ...answers.slice(3)]);
      for (const o of rest) expect(o).toMatchObject({ status: 'accepted', accepted: 1 });
      await until('the queue to drain', async () => (await queued()) === 0);
    } finally {
      await killHard(door);
    }
    const landed = await rows<{ batch_id: string }>('SELECT batch_id FROM mc.ingest_batches WHERE node_id = $1', [n.id]);
    expect(landed.map((r) => r.batch_id).sort()).toEqual([batches[0]!, ...batches.slice(3)].map((b) => b.batchId).sort());
  }, 60_000);

  it("honours the door's 429 Retry-After, and a refused batch is final (not sent again)", async () => {
    const door = await startIngestServer({ db: login, port: 0, orgRate: { perSecond: 1, burst: 1 }, log: silent });
    const n = nodes[5]!;
    const tries: { at: number; status: number | string }[] = [];
    const post = async (b: Batch, s: AbortSignal) => {
      const a = await postToDoor(door.url, b, s);
      tries.push({ at: Date.now(), status: 'final' in a ? a.final.status : 'retry' });
      return a;
    };
    const spool = new DoorSpool(post, door.url, () => undefined, stopping.signal, { concurrency: 1, initialDelayMs: 10, maxDelayMs: 20 });
    try {
      const batch = (i: number): Batch => ({ key: n.key, batchId: randomUUID(), samples: [{ ts: new Date(Date.now() - 5000 + i), metric: 'gpu_temp_c', value: 60 }] });
      const outs = await Promise.all([0, 1, 2].map((i) => spool.send(batch(i))));
      for (const o of outs) expect(o).toMatchObject({ status: 'accepted', accepted: 1 });
      const limited = tries.findIndex((t) => t.status === 'retry');
      expect(limited).toBeGreaterThanOrEqual(0);
      // The door said Retry-After: 1; the spool's own backoff here is 10–20 ms, so waiting ≥ 1 s is the header's doing.
      expect(tries[limited + 1]!.at - tries[limited]!.at).toBeGreaterThanOrEqual(990);

      const before = tries.length;
      const refused = await spool.send({ key: n.key, batchId: randomUUID(), samples: [{ ts: new Date(), metric: 'gpu_util_pct', value: 140 }] });
      expect(refused).toMatchObject({ status: 'rejected', code: 'sample_invalid' });
      // Perhaps a 429 first (the org's rate), then one refusal, and never again.
      const after = tries.slice(before);
      expect(after.filter((t) => t.status !== 'retry')).toEqual([{ at: expect.any(Number), status: 'rejected' }]);
      expect(after.at(-1)!.status).toBe('rejected');
    } finally {
      await door.close();
    }
  }, 60_000);

  it('the same simulated input through the SQL function and through the door gives identical rows', async () => {
    const [a, b] = [nodes[6]!, nodes[7]!];
    const door = await startIngestServer({ db: login, port: 0, log: silent });
    const direct = new pg.Pool({ ...login, max: 1 });
    const spool = new DoorSpool((x, s) => postToDoor(door.url, x, s), door.url, () => undefined, stopping.signal);
    try {
      await until('the queue to drain', async () => (await queued()) === 0);
      // Twin agents: same model and seed, one node each; three batches of three sample sets.
      const opts = { rate: 0.1, batchSeconds: 30, badKeyRate: 0, badSampleRate: 0, incidentChance: 0.2, seed: 11 };
      const viaSql = new Simulator([a], (x) => sendBatch(direct, x), opts);
      const viaDoor = new Simulator([{ ...a, id: b.id, key: b.key }], spool.send, opts);
      const t0 = Date.now() - 120_000;
      for (let i = 0; i < 3; i++) {
        expect(await viaSql.sendOne(0, t0 + i * 30_000)).toMatchObject({ status: 'accepted', accepted: 27 });
        expect(await viaDoor.sendOne(0, t0 + i * 30_000)).toMatchObject({ status: 'accepted', accepted: 27 });
      }
      await until('the queue to drain', async () => (await queued()) === 0);
    } finally {
      await door.close();
      await direct.end();
    }
    const of = async (node: string) => ({
      raw: await rows('SELECT ts, metric, value FROM mc.telemetry WHERE node_id = $1 ORDER BY ts, metric', [node]),
      // Sums to 9 places: the door's coalesced write adds a minute's samples in another order than
      // batch by batch, and float addition differs in the last bit (0.1945 vs 0.19449999999999998).
      rollups: await rows('SELECT metric, minute, n, round(sum::numeric, 9) AS sum, min, max, last, last_ts FROM mc.telemetry_rollups_1m WHERE node_id = $1 ORDER BY metric, minute', [node]),
      latest: await rows('SELECT seen_at, gpu_util_pct, gpu_temp_c, power_w, tokens_per_s, p95_latency_ms, queue_depth, error_rate FROM mc.node_latest WHERE node_id = $1', [node]),
    });
    const sqlRows = await of(a.id);
    expect(sqlRows.raw).toHaveLength(81);
    expect(await of(b.id)).toEqual(sqlRows);
  }, 60_000);

  it('npm run agent refuses --via and --url it cannot use, saying what is expected', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src-main/agent/cli.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    const noUrl = run('--via', 'http');
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toMatch(/--url must be an http:\/\/ or https:\/\/ address like http:\/\/127\.0\.0\.1:8787/);
    const withCreds = run('--via', 'http', '--url', 'http://user:secret@127.0.0.1:8787');
    expect(withCreds.status).toBe(2);
    expect(withCreds.stderr).not.toContain('secret');
    const pigeon = run('--via', 'pigeon');
    expect(pigeon.status).toBe(2);
    expect(pigeon.stderr).toMatch(/--via must be one of sql, http, got "pigeon"/);
    const urlWithoutHttp = run('--url', 'http://127.0.0.1:8787');
    expect(urlWithoutHttp.status).toBe(2);
    expect(urlWithoutHttp.stderr).toMatch(/--url and --spool-batches go with --via http/);
    const badSpool = run('--via', 'http', '--url', 'http://127.0.0.1:8787', '--spool-batches', '0');
    expect(badSpool.status).toBe(2);
    expect(badSpool.stderr).toMatch(/--spool-batches must be a whole number from 1/);
  }, 60_000);
});
