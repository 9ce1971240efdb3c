import { McError } from '../../../src-shared/contract/errors';
import type { DeadLetters } from '../../../src-shared/contract/telemetry';
import type { Sql } from '../../db';
import type { AuditDraft, AuditRecord } from '../audit';

const SHOWN = 200;
/** The window of the processing-time figures: long enough for a p95, short enough to show today's state. */
export const PROCESSING_WINDOW_MIN = 15;

/**
 * The telemetry door's queue and dead letters for this org: how many batches wait and since when,
 * how many were given up on, the reasons grouped, and the newest dead letters (never a key: the
 * queue holds only the key's id).
 */
export async function listDeadLetters(sql: Sql): Promise<DeadLetters> {
  const totals = await sql.one<{ waiting: number; waiting_since: string | null; dead: number; oldest: string | null }>(
    `SELECT (SELECT count(*)::int FROM mc.ingest_queue) AS waiting, (SELECT min(received_at) FROM mc.ingest_queue) AS waiting_since,
            (SELECT count(*)::int FROM mc.ingest_dead_letters) AS dead, (SELECT min(failed_at) FROM mc.ingest_dead_letters) AS oldest`,
  );
  // Queued batches only: the direct SQL path writes received_at and written_at in one transaction
  // (equal), and rows from before written_at existed have none.
  const processing = await sql.one<{ batches: number; p50: number | null; p95: number | null; max: number | null }>(
    `SELECT count(*)::int AS batches,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY d) AS p95, max(d) AS max
       FROM (SELECT extract(epoch FROM written_at - received_at) * 1000 AS d FROM mc.ingest_batches
              WHERE received_at > now() - make_interval(mins => $1) AND written_at > received_at) x`,
    [PROCESSING_WINDOW_MIN],
  );
  const ms = (v: number | null) => (v === null ? null : Math.round(Number(v)));
  const reasons = await sql.query<{ reason: string; count: number }>(
    'SELECT reason, count(*)::int AS count FROM mc.ingest_dead_letters GROUP BY reason ORDER BY count DESC, reason LIMIT 20',
  );
  const items = await sql.query<{ seq: string; node_id: string; hostname: string | null; batch_id: string; samples: number; source: string; received_at: string; failed_at: string; attempts: number; reason: string }>(
    `SELECT d.seq::text, d.node_id, n.hostname, d.batch_id, cardinality(d.ts) AS samples, d.source, d.received_at, d.failed_at, d.attempts, d.reason
       FROM mc.ingest_dead_letters d LEFT JOIN mc.nodes n ON n.org_id = d.org_id AND n.id = d.node_id
      ORDER BY d.failed_at DESC, d.seq DESC LIMIT ${SHOWN}`,
  );
  const iso = (t: string | null) => (t === null ? null : new Date(t).toISOString());
  return {
    waiting: totals.waiting,
    waitingSince: iso(totals.waiting_since),
    processing: { windowMinutes: PROCESSING_WINDOW_MIN, batches: processing.batches, p50Ms: ms(processing.p50), p95Ms: ms(processing.p95), maxMs: ms(processing.max) },
    deadLetters: totals.dead,
    oldestDeadLetterAt: iso(totals.oldest),
    reasons,
    items: items.map((r) => ({
      seq: Number(r.seq),
      nodeId: r.node_id,
      hostname: r.hostname,
      batchId: r.batch_id,
      samples: r.samples,
      source: r.source,
      receivedAt: iso(r.received_at) as string,
      failedAt: iso(r.failed_at) as string,
      attempts: r.attempts,
      reason: r.reason,
    })),
  };
}

/**
 * Replay (back on the queue, attempts from zero) or discard dead letters of this org, with the
 * operator's reason in the audit event. Seqs that are not this org's dead letters (gone already,
 * another org's) refuse the whole request and change nothing.
 */
export async function resolveDeadLetters(
  sql: Sql,
  input: { seqs: number[]; action: 'replay' | 'discard' },
  audit: (d: AuditDraft) => Promise<AuditRecord>,
): Promise<{ resolved: number }> {
  const seqs = [...new Set(input.seqs)];
  // Deleted first, checked after: a seq that is not this org's dead letter (row-level security
  // hides another org's) makes the whole request fail, and the transaction leaves everything as it was.
  const moved =
    input.action === 'replay'
      ? `moved AS (DELETE FROM mc.ingest_dead_letters WHERE seq = ANY ($1::bigint[]) RETURNING *),
         queued AS (INSERT INTO mc.ingest_queue (org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at)
                    SELECT org_id, node_id, key_id, batch_id, ts, metric, value, source, received_at FROM moved
                    ON CONFLICT (node_id, batch_id) DO NOTHING RETURNING 1)`
      : 'moved AS (DELETE FROM mc.ingest_dead_letters WHERE seq = ANY ($1::bigint[]) RETURNING *)';
  const done = await sql.one<{ seqs: string[] | null; samples: number }>(
    `WITH ${moved} SELECT array_agg(seq::text) AS seqs, coalesce(sum(cardinality(ts)), 0)::int AS samples FROM moved`,
    [seqs],
  );
  const have = new Set((done.seqs ?? []).map(Number));
  const missing = seqs.filter((x) => !have.has(x));
  if (missing.length > 0) {
    throw new McError('NOT_FOUND', `${missing.length === 1 ? `Dead letter #${missing[0]} is` : `${missing.length} of these dead letters are`} not in this org’s dead letters (replayed or discarded already?): reload and choose again. Nothing was changed.`);
  }
  const resolved = have.size;
  await audit({
    action: input.action === 'replay' ? 'telemetry.dead_letters_replayed' : 'telemetry.dead_letters_discarded',
    target: { type: 'telemetry_queue', id: null },
    // The reason travels with the request: the router puts it in this event.
    data: { seqs, batches: resolved, samples: done.samples },
  });
  return { resolved };
}
