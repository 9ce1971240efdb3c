import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type Batch, sendBatch } from '../src-main/services/telemetry';
import { METRICS } from '../src-shared/domain/metrics';
import { ingestBenchDb } from './ingest-setup';
import { type Bench, median, result, round, since } from './lib';

const SAMPLES = 200_000;
const NODES = 100;
const BATCH = 2_000;
const CONNECTIONS = 4;
const BIG_TABLE = 10_000_000;
const ROUNDS = 3;
const AGENT_BATCH = 27;

interface Row {
  node: number;
  ts: string;
  metric: string;
  metricId: number;
  value: number;
}

/** 200,000 samples: 100 nodes × 2,000 (the nine metrics at one-second steps over the last minutes). */
function makeRows(seed: number): Row[] {
  const rows: Row[] = [];
  const now = Date.now() - 60_000;
  for (let i = 0; i < SAMPLES; i++) {
    const node = i % NODES;
    const step = Math.floor(i / NODES);
    const m = METRICS[step % METRICS.length]!;
    const t = now - Math.floor(step / METRICS.length) * 1000 - seed;
    rows.push({ node, ts: new Date(t).toISOString(), metric: m.name, metricId: m.id, value: Math.min(m.max, (step * 7.3) % (m.max + 1)) });
  }
  return rows;
}

/**
 * Ingest through the authenticated data plane (key check, validation, idempotency, rollups,
 * latest figures, key use) against raw COPY of the same rows into the same table, both over
 * four connections, on an empty table and again on one holding ten million samples.
 */
export const ingest: Bench = {
  name: 'ingest-authenticated-vs-copy',
  summary: '200,000 samples through mc.ingest_telemetry vs raw COPY into mc.telemetry (samples/s); also agent-sized batches',
  async run() {
    const db = await ingestBenchDb(NODES);
    const { owner, org, nodeIds, keys } = db;
    try {
      const ingestPool = new pg.Pool({ ...db.ingest, max: CONNECTIONS });
      // The server stops at the end with connections still open: that is expected, not a crash.
      ingestPool.on('error', () => undefined);

      const clean = () => db.clean();

      // Both sides prepare their payload before the clock starts: what is timed is the database
      // path (and the client's wire encoding), not JavaScript building rows.
      const viaFunction = async (rows: Row[], batch = BATCH): Promise<number> => {
        const perNode = new Map<number, Row[]>();
        for (const r of rows) {
          const list = perNode.get(r.node) ?? [];
          list.push(r);
          perNode.set(r.node, list);
        }
        const batches: Batch[] = [];
        for (const [node, rs] of perNode) {
          for (let i = 0; i < rs.length; i += batch) {
            batches.push({ key: keys[node]!, batchId: randomUUID(), samples: rs.slice(i, i + batch).map((r) => ({ ts: r.ts, metric: r.metric, value: r.value })) });
          }
        }
        const t0 = performance.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: CONNECTIONS }, async () => {
            for (;;) {
              const b = batches[next++];
              if (!b) return;
              const out = await sendBatch(ingestPool, b);
              if (out.status !== 'accepted') throw new Error(`ingest refused a bench batch: ${out.code} ${out.message}`);
            }
          }),
        );
        return rows.length / (since(t0) / 1000);
      };

      const viaCopy = (rows: Row[]) => db.copy(rows, CONNECTIONS);

      const measure = async (label: string) => {
        const fn: number[] = [];
        const copy: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const rows = makeRows(r * 17);
          await clean();
          copy.push(await viaCopy(rows));
          await clean();
          fn.push(await viaFunction(rows));
        }
        process.stdout.write(`  ${label}: function ${Math.round(median(fn))} samples/s, COPY ${Math.round(median(copy))} samples/s\n`);
        return { fn: median(fn), copy: median(copy) };
      };

      const empty = await measure('empty table');

      // What a node agent really sends: one small batch per call (27 samples: three sample sets
      // of nine metrics), so the per-call cost (round trip, key check, one transaction) dominates.
      const agentRows = 20_000;
      const agentFn: number[] = [];
      const agentCopy: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const rows = makeRows(99 + r).slice(0, agentRows);
        await clean();
        agentCopy.push(await viaCopy(rows));
        await clean();
        agentFn.push(await viaFunction(rows, AGENT_BATCH));
      }
      process.stdout.write(`  ${AGENT_BATCH}-sample batches: function ${Math.round(median(agentFn))} samples/s, COPY ${Math.round(median(agentCopy))} samples/s\n`);
      await clean();

      // A week of history for these 100 nodes, written server-side: ten million raw samples before
      // the last two hours, the one-minute rollups they make, and a week of batch records. The
      // insert path then meets full indexes on every table it writes, as in production.
      const t0 = performance.now();
      await owner.query(`SELECT mc.telemetry_ensure_days((now() - interval '7 days 3 hours')::date, now()::date)`);
      await owner.query(
        `INSERT INTO mc.telemetry (org_id, node_id, ts, metric, value)
         SELECT $1, ($2::uuid[])[1 + g % ${NODES}], now() - interval '2 hours' - (g * interval '1 second') * (7 * 86400.0 / ${BIG_TABLE}), 1 + g % 9, g % 100
           FROM generate_series(1, ${BIG_TABLE}) g`,
        [org, nodeIds],
      );
      await owner.query(
        `INSERT INTO mc.telemetry_rollups_1m (org_id, node_id, metric, minute, n, sum, min, max, last, last_ts)
         SELECT org_id, node_id, metric, date_trunc('minute', ts), count(*), sum(value), min(value), max(value), max(value), max(ts)
           FROM mc.telemetry GROUP BY 1, 2, 3, 4`,
      );
      await owner.query(
        `INSERT INTO mc.ingest_batches (org_id, node_id, batch_id, key_id, samples, received_at)
         SELECT $1, ($2::uuid[])[1 + g % ${NODES}], gen_random_uuid(), k.id, ${AGENT_BATCH}, now() - interval '2 hours' - g * interval '1 second'
           FROM generate_series(1, ${Math.round(BIG_TABLE / AGENT_BATCH)}) g
           JOIN mc.node_keys k ON k.node_id = ($2::uuid[])[1 + g % ${NODES}]`,
        [org, nodeIds],
      );
      await owner.query('VACUUM ANALYZE mc.telemetry, mc.telemetry_rollups_1m, mc.ingest_batches');
      const loadSeconds = since(t0) / 1000;
      const history = (
        await owner.query<{ rollups: number; batches: number; written_partition: number; largest_partition: number }>(
          `SELECT (SELECT count(*) FROM mc.telemetry_rollups_1m)::int AS rollups,
                  (SELECT count(*) FROM mc.ingest_batches)::int AS batches,
                  (SELECT count(*) FROM mc.telemetry WHERE ts >= (now() AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE 'UTC')::int AS written_partition,
                  (SELECT max(reltuples) FROM pg_class WHERE relnamespace = 'mc_telemetry'::regnamespace AND relkind = 'r')::int AS largest_partition`,
        )
      ).rows[0]!;
      const full = await measure(`with ${BIG_TABLE.toLocaleString('en')} samples of history`);
      const serverVersion = (await owner.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
      await ingestPool.end();
      const main = result({
        name: this.name,
        value: round(empty.fn, 0),
        unit: 'samples/s',
        baseline: round(empty.copy, 0),
        baselineName: 'raw COPY of the same rows into the same table',
        better: 'higher',
        target: 0.5,
        params: {
          samples: SAMPLES,
          nodes: NODES,
          batchSamples: BATCH,
          connections: CONNECTIONS,
          rounds: ROUNDS,
          server: serverVersion,
          with10M: {
            functionSamplesPerS: round(full.fn, 0),
            copySamplesPerS: round(full.copy, 0),
            ratio: round(full.fn / full.copy, 4),
            loadSeconds: round(loadSeconds, 1),
            // Partitioned by UTC day: the rounds write into today's partition, which holds only
            // today's share of the history; the other tables are not partitioned and hold it all.
            rowsInTodaysPartitionBeforeRounds: history.written_partition,
            rowsInLargestPartition: history.largest_partition,
            rollupRows: history.rollups,
            batchRecords: history.batches,
          },
          functionSlowdownEmptyTo10M: round(full.fn / empty.fn, 4),
          copySlowdownEmptyTo10M: round(full.copy / empty.copy, 4),
        },
      });
      const agent = result({
        name: 'ingest-agent-batches-vs-copy',
        value: round(median(agentFn), 0),
        unit: 'samples/s',
        baseline: round(median(agentCopy), 0),
        baselineName: 'raw COPY of the same rows into the same table',
        better: 'higher',
        // The target is for bulk batches; for one small batch per call none is set. This
        // figure is here so the per-call cost is seen, not hidden behind the bulk figure.
        target: null,
        params: { samples: agentRows, nodes: NODES, batchSamples: AGENT_BATCH, connections: CONNECTIONS, rounds: ROUNDS, server: serverVersion },
      });
      return [main, agent];
    } finally {
      await db.close();
    }
  },
};

