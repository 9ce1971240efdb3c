import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { METRICS } from '../src-shared/domain/metrics';
import { AgentConnection, telemetryRequest } from './agent-connection';
import { type CopyRow, ingestBenchDb } from './ingest-setup';
import { type Bench, median, percentile, result, round, since } from './lib';

const AGENTS = 1000;
const BATCHES_PER_AGENT = 20;
const ROUNDS = 3;
const COPY_CONNECTIONS = 4;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface AgentBatch {
  key: string;
  body: string;
  rows: CopyRow[];
}

/** Every agent's batches: one sample set (the nine metrics at one timestamp) each, a second apart. */
function makeBatches(seed: number): AgentBatch[][] {
  const now = Date.now() - 60_000 - seed * 1000;
  return Array.from({ length: AGENTS }, (_, node) =>
    Array.from({ length: BATCHES_PER_AGENT }, (_, b) => {
      const ts = new Date(now - (BATCHES_PER_AGENT - b) * 1000).toISOString();
      const rows = METRICS.map((m, i) => ({ node, ts, metricId: m.id, value: Math.min(m.max, (node + b + i) % 90) }));
      const body = JSON.stringify({ batch_id: randomUUID(), ts: rows.map(() => ts), metric: METRICS.map((m) => m.name), value: rows.map((r) => r.value), agent: 'bench' });
      return { key: '', body, rows };
    }),
  );
}

function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-main/gateway/cli.ts'), '--port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`ingest-server exited (${code}): ${out}`)));
  });
}

/**
 * Agent-sized batches (9 samples) from 1,000 simulated agents through the HTTP door, each agent
 * sending its next batch when the last was acknowledged, against raw COPY of the same rows into
 * the same table in the same run. Timed until every row is in mc.telemetry (the worker drained the
 * queue), so the figure is the whole path, not only the acknowledgements.
 */
export const ingestDoor: Bench = {
  name: 'ingest-door-agent-batches-vs-copy',
  summary: '9-sample batches from 1,000 agents through POST /v1/telemetry (queued, drained) vs raw COPY of the same rows (samples/s); ack p99',
  async run() {
    const db = await ingestBenchDb(AGENTS);
    const env = {
      ...process.env,
      PGHOST: db.target.host,
      PGPORT: String(db.target.port),
      PGDATABASE: db.target.database,
      PGUSER: db.ingest.user,
      PGPASSWORD: db.ingest.password,
      MC_LOG_LEVEL: 'warn',
    };
    const { child, port } = await startServer(env);
    // One keep-alive connection per simulated agent, requests built before the clock starts: the
    // agents' own work is not the door's (see agent-connection.ts for why not node:http).
    const connections: AgentConnection[] = [];
    const connect = (to: number) => {
      const list = Array.from({ length: AGENTS }, () => new AgentConnection('127.0.0.1', to));
      connections.push(...list);
      return list;
    };
    const queuedRows = async () => (await db.owner.query<{ n: string }>('SELECT count(*) AS n FROM mc.ingest_queue')).rows[0]!.n;
    try {
      const door: number[] = [];
      const ackOnly: number[] = [];
      const copy: number[] = [];
      const latencies: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const batches = makeBatches(r * 30);
        batches.forEach((list, node) => list.forEach((b) => (b.key = db.keys[node]!)));
        const rows = batches.flat().flatMap((b) => b.rows);
        const requests = batches.map((list) => list.map((b) => telemetryRequest('127.0.0.1', port, b.key, b.body)));
        const agents = connect(port);
        await db.clean();
        copy.push(await db.copy(rows, COPY_CONNECTIONS));
        await db.clean();
        const t0 = performance.now();
        await Promise.all(
          requests.map(async (list, node) => {
            for (const req of list) {
              const s = performance.now();
              const status = await agents[node]!.send(req);
              latencies.push(since(s));
              if (status !== 200) throw new Error(`the door answered ${status} to a bench batch`);
            }
          }),
        );
        ackOnly.push(rows.length / (since(t0) / 1000));
        // Polled every 25 ms: a count(*) every 5 ms took a noticeable share of the database's CPU
        // from the worker it was waiting for.
        while (Number(await queuedRows()) > 0) await new Promise((res) => setTimeout(res, 25));
        door.push(rows.length / (since(t0) / 1000));
        const written = Number((await db.owner.query<{ n: string }>(`SELECT count(*) AS n FROM mc.telemetry WHERE ts > now() - interval '1 hour'`)).rows[0]!.n);
        if (written !== rows.length) throw new Error(`the door wrote ${written} rows of ${rows.length}`);
        for (const c of agents) c.close();
      }
      // The HTTP ceiling of this machine for this traffic: the same client against a bare fastify
      // route that answers at once (no schema, no queue), so the door's figure can be read against it.
      const bare = Fastify();
      bare.post('/v1/telemetry', async () => ({ status: 'accepted' }));
      await bare.listen({ host: '127.0.0.1', port: 0 });
      const barePort = (bare.server.address() as { port: number }).port;
      const sample = makeBatches(0).map((list) => list.map((b) => telemetryRequest('127.0.0.1', barePort, 'x', b.body)));
      const bareAgents = connect(barePort);
      const tb = performance.now();
      await Promise.all(sample.map(async (list, node) => { for (const req of list) await bareAgents[node]!.send(req); }));
      const bareRequestsPerS = (AGENTS * BATCHES_PER_AGENT) / (since(tb) / 1000);
      await bare.close();
      process.stdout.write(
        `  bare HTTP ceiling (same client, a route answering at once): ${Math.round(bareRequestsPerS)} requests/s = ${Math.round(bareRequestsPerS * METRICS.length)} samples/s\n`,
      );
      process.stdout.write(
        `  door (acknowledged and written): ${Math.round(median(door))} samples/s, acknowledged only: ${Math.round(median(ackOnly))} samples/s, COPY ${Math.round(median(copy))} samples/s, ack p50 ${round(percentile(latencies, 50), 1)} ms, p99 ${round(percentile(latencies, 99), 1)} ms\n`,
      );
      return result({
        name: this.name,
        value: round(median(door), 0),
        unit: 'samples/s',
        baseline: round(median(copy), 0),
        baselineName: 'raw COPY of the same rows into the same table',
        better: 'higher',
        target: 0.3,
        params: {
          agents: AGENTS,
          batchSamples: METRICS.length,
          batchesPerAgent: BATCHES_PER_AGENT,
          rounds: ROUNDS,
          copyConnections: COPY_CONNECTIONS,
          ackOnlySamplesPerS: round(median(ackOnly), 0),
          ackP50Ms: round(percentile(latencies, 50), 2),
          ackP99Ms: round(percentile(latencies, 99), 2),
          ackMaxMs: round(Math.max(...latencies), 2),
          bareHttpRequestsPerS: round(bareRequestsPerS, 0),
          bareHttpNote: 'same client against a bare fastify route in the bench process: the request rate this machine serves for this traffic with no work behind it',
          client: 'one keep-alive connection per agent, raw HTTP/1.1 over node:net, requests built before timing (bench/agent-connection.ts)',
        },
      });
    } finally {
      for (const c of connections) c.close();
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
      await db.close();
    }
  },
};
