import type { IngestOutcome } from '../../../src-shared/contract/telemetry';
import type { Sql } from '../../db';

export interface Sample {
  ts: string | Date;
  metric: string;
  value: number;
}

export interface Batch {
  key: string;
  batchId: string;
  samples: readonly Sample[];
  agent?: string | null;
}

/** Anything that can run a query: a pool, a client, an org transaction. */
export interface Queryable {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

const CALL = 'SELECT mc.ingest_telemetry($1, $2, $3::timestamptz[], $4::text[], $5::float8[], $6) AS r';

function params(b: Batch): unknown[] {
  const ts: (string | Date)[] = [];
  const metric: string[] = [];
  const value: number[] = [];
  for (const s of b.samples) {
    ts.push(s.ts);
    metric.push(s.metric);
    value.push(s.value);
  }
  return [b.key, b.batchId, ts, metric, value, b.agent ?? null];
}

interface RawOutcome {
  status: IngestOutcome['status'];
  code?: string;
  message?: string;
  accepted?: number;
  errors?: { index: number; reason: string }[];
}

function outcome(r: RawOutcome): IngestOutcome & { errors: { index: number; reason: string }[] } {
  return { status: r.status, code: r.code ?? null, message: r.message ?? null, accepted: r.accepted ?? null, errors: r.errors ?? [] };
}

/**
 * Call the data plane the way a node agent does: the ingest function, as a role that may do
 * nothing else. The answer is always an outcome; refusals are not exceptions.
 */
export async function sendBatch(db: Queryable, batch: Batch) {
  const res = await db.query<{ r: RawOutcome }>(CALL, params(batch));
  return outcome(res.rows[0]!.r);
}

/** The same call inside an org transaction that has stepped into mc_ingest (validation record). */
export async function sendBatchInTx(sql: Sql, batch: Batch) {
  const row = await sql.one<{ r: RawOutcome }>(CALL, params(batch));
  return outcome(row.r);
}
