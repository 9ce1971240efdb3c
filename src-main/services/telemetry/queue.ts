import type pg from 'pg';

/** One batch as the door hands it over: the key already hashed, samples already well-formed. */
export interface QueueItem {
  /** sha256 of the presented node key, or null when it is not a node key at all. */
  keyHash: Buffer | null;
  batchId: string | null;
  /** Where it came from (the HTTP peer, and what the agent says), at most 200 characters. */
  source: string;
  /** The seed shape's project_id: must be the key's org when given. */
  project: string | null;
  ts: string[];
  metric: string[];
  value: (number | null)[];
}

export interface QueueAnswer {
  status: 'accepted' | 'duplicate' | 'rejected';
  code: string | null;
  message: string | null;
  accepted: number | null;
  errors: { index: number; reason: string }[] | null;
  orgId: string | null;
}

/** The queue is over its bound (or this process holds too many unqueued batches): try later. */
export class QueueFull extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('The telemetry queue is full; send this batch again later.');
  }
}

/** The database did not take the group: nothing was acknowledged. */
export class QueueUnavailable extends Error {}

const ENQUEUE = `SELECT item, status, code, message, accepted, errors, org_id
  FROM mc.ingest_enqueue($1::bytea[], $2::uuid[], $3::text[], $4::uuid[], $5::int[], $6::timestamptz[], $7::text[], $8::float8[])`;

interface Waiting {
  item: QueueItem;
  resolve(a: QueueAnswer): void;
  reject(e: Error): void;
}

export interface QueueOptions {
  /** Batches per enqueue statement (one commit acknowledges them all). */
  maxGroup?: number;
  /** Enqueue statements in flight at once. */
  concurrency?: number;
  /** Batches this process may hold before they are queued; beyond it, QueueFull. */
  maxPending?: number;
}

/**
 * Puts batches into mc.ingest_queue with group commit: while one statement runs, the batches that
 * arrive meanwhile wait and go together in the next, so a commit (and its fsync) acknowledges many
 * agents at once. A batch is answered only after its statement committed; if it failed, every batch
 * of that statement is told so, and none counts as acknowledged.
 */
export class TelemetryQueue {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private readonly maxGroup: number;
  private readonly concurrency: number;
  private readonly maxPending: number;
  private drained: (() => void)[] = [];

  constructor(
    private readonly pool: pg.Pool,
    opts: QueueOptions = {},
  ) {
    this.maxGroup = opts.maxGroup ?? 1000;
    this.concurrency = opts.concurrency ?? 2;
    this.maxPending = opts.maxPending ?? 20_000;
  }

  /** Batches accepted by this process but not yet committed to the queue. */
  get pending(): number {
    return this.waiting.length;
  }

  submit(item: QueueItem): Promise<QueueAnswer> {
    if (this.waiting.length >= this.maxPending) return Promise.reject(new QueueFull(1));
    return new Promise<QueueAnswer>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once nothing waits and nothing is in flight (for a clean stop). */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.drained.push(r));
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxGroup);
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.waiting.length === 0 && this.inFlight === 0) for (const r of this.drained.splice(0)) r();
      });
    }
  }

  private async run(group: Waiting[]): Promise<void> {
    const keyHash: (Buffer | null)[] = [];
    const batchId: (string | null)[] = [];
    const source: string[] = [];
    const project: (string | null)[] = [];
    const itemOf: number[] = [];
    const ts: string[] = [];
    const metric: string[] = [];
    const value: (number | null)[] = [];
    group.forEach((w, i) => {
      keyHash.push(w.item.keyHash);
      batchId.push(w.item.batchId);
      source.push(w.item.source);
      project.push(w.item.project);
      for (let s = 0; s < w.item.ts.length; s++) {
        itemOf.push(i + 1);
        ts.push(w.item.ts[s]!);
        metric.push(w.item.metric[s]!);
        value.push(w.item.value[s] ?? null);
      }
    });
    let rows: { item: number; status: QueueAnswer['status']; code: string | null; message: string | null; accepted: number | null; errors: QueueAnswer['errors']; org_id: string | null }[];
    try {
      rows = (await this.pool.query(ENQUEUE, [keyHash, batchId, source, project, itemOf, ts, metric, value])).rows;
    } catch (err) {
      const e = new QueueUnavailable(`The telemetry queue could not be reached (${(err as { code?: string }).code ?? 'no answer'}); nothing was stored from this request. Send it again.`);
      for (const w of group) w.reject(e);
      return;
    }
    for (const r of rows) {
      group[r.item - 1]?.resolve({ status: r.status, code: r.code, message: r.message, accepted: r.accepted, errors: r.errors, orgId: r.org_id });
    }
  }
}

/** How many batches wait in the queue and in the dead letters (one cheap statement). */
export async function queueDepth(pool: pg.Pool): Promise<{ batches: number; oldest: string | null; deadLetters: number }> {
  const r = await pool.query<{ batches: number; oldest: string | null; dead_letters: number }>('SELECT batches, oldest, dead_letters FROM mc.ingest_queue_depth()');
  const row = r.rows[0]!;
  return { batches: Number(row.batches), oldest: row.oldest, deadLetters: Number(row.dead_letters) };
}
