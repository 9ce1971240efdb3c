/**
 * The metering spool: a write-ahead log on local disk so that a served request is metered even if
 * the gateway or the database dies the next moment. Every finished request is one JSON line,
 * appended and fsynced before its response completes; a drainer hands closed segments to Postgres
 * (mc.gateway_record, idempotent on (org_id, request_id)) and deletes a segment only after the
 * batch committed. On start, segments a crash left are drained first.
 *
 * Appends are group-committed: the records waiting while one fsync runs are written and fsynced
 * together, so the disk sees one fsync per batch, not one per request.
 */
import { closeSync, fsync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, write } from 'node:fs';
import { join } from 'node:path';

export interface MeteringRequest {
  org_id: string;
  request_id: string;
  started_at: string;
  finished_at: string;
  customer_id: string;
  key_prefix: string;
  endpoint: 'chat.completions' | 'completions' | 'embeddings' | 'models';
  model: string | null;
  stream: boolean;
  decision_id: string | null;
  corridor_id: string | null;
  node_id: string | null;
  runtime_id: string | null;
  status: number;
  outcome: string;
  latency_ms: number;
  first_byte_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  simulated: boolean;
}

export interface MeteringUsage {
  request_id: string;
  occurred_at: string;
  model: string;
  corridor_id: string | null;
  node_id: string | null;
  runtime_id: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  estimated: boolean;
  simulated: boolean;
}

/** A routing decision of the gateway's, written with its request (mc.routing_decisions, source 'gateway'). */
export interface MeteringDecision {
  id: string;
  decided_at: string;
  model: string;
  origin_country: string;
  workload_class: string;
  inputs_digest: string;
  corridor_id: string | null;
  region: string | null;
  selected_node_id: string | null;
  selected_runtime_id: string | null;
  fallback_node_id: string | null;
  policy_reason: string;
  explanation: string | null;
  rejected: Record<string, number>;
  considered: number;
  eligible: number;
}

export interface MeteringRecord {
  request: MeteringRequest;
  usage: MeteringUsage | null;
  decision?: MeteringDecision | null;
}

export interface DrainResult {
  inserted: number;
  usage: number;
  duplicates: number;
  rejected: { index: number; reason: string }[];
}

/** Writes a batch to Postgres and resolves once it committed. */
export type DrainSink = (batch: MeteringRecord[]) => Promise<DrainResult>;

const OPEN = 'open.jsonl';
const SEGMENT = /^seg-(\d{13})-(\d{6})\.jsonl$/;
export const DRAIN_BATCH = 500;

export class Spool {
  private fd: number;
  private pending: { line: string; done: () => void; fail: (e: Error) => void }[] = [];
  private flushing = false;
  /** A drain asked to close the open segment while a write was in flight: done between batches. */
  private sealRequested = false;
  private openRecords = 0;
  private seq = 0;
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Records appended and not yet confirmed in Postgres (open segment + closed segments). */
  backlog = 0;
  rejectedTotal = 0;

  constructor(
    private readonly dir: string,
    private readonly sink: DrainSink,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A previous process's open segment is closed now: it is drained like any other.
    try {
      statSync(join(dir, OPEN));
      this.seal();
    } catch {
      /* none left */
    }
    this.fd = openSync(join(dir, OPEN), 'a', 0o600);
    this.backlog = this.segments().reduce((n, f) => n + countLines(join(dir, f)), 0);
  }

  /** Resolves once the record is on disk (fsynced). */
  append(rec: MeteringRecord): Promise<void> {
    return new Promise((done, fail) => {
      this.pending.push({ line: `${JSON.stringify(rec)}\n`, done, fail });
      if (!this.flushing) this.flush();
    });
  }

  private flush(): void {
    this.flushing = true;
    // Let the records of this event-loop turn join the batch. The write and the fsync run on
    // libuv's thread pool, so requests keep flowing (and queue for the next batch) meanwhile.
    setImmediate(() => {
      const batch = this.pending;
      this.pending = [];
      const fd = this.fd;
      const finish = (err: Error | null) => {
        if (err) for (const b of batch) b.fail(err);
        else {
          this.openRecords += batch.length;
          this.backlog += batch.length;
          for (const b of batch) b.done();
        }
        // Between two batches no write is in flight: the moment to close the segment a drain
        // asked for. Under steady load there is no idle moment, and waiting for one would leave
        // every record in the open segment, never reaching Postgres.
        if (this.sealRequested) this.sealOpen();
        if (this.pending.length > 0) this.flush();
        else this.flushing = false;
      };
      write(fd, batch.map((b) => b.line).join(''), (werr) => {
        if (werr) return finish(werr);
        fsync(fd, (ferr) => finish(ferr));
      });
    });
  }

  /** Close the open segment under a sortable name; the next append opens a fresh one. */
  private seal(): void {
    const name = `seg-${String(Date.now()).padStart(13, '0')}-${String(this.seq++ % 1_000_000).padStart(6, '0')}.jsonl`;
    renameSync(join(this.dir, OPEN), join(this.dir, name));
  }

  private sealOpen(): void {
    this.sealRequested = false;
    if (this.openRecords === 0) return;
    closeSync(this.fd);
    this.seal();
    this.fd = openSync(join(this.dir, OPEN), 'a', 0o600);
    this.openRecords = 0;
  }

  private segments(): string[] {
    return readdirSync(this.dir)
      .filter((f) => SEGMENT.test(f))
      .sort();
  }

  /** Seal what was written so far (if anything) and drain every closed segment. */
  drain(): Promise<void> {
    if (this.draining) return this.draining;
    const run = async () => {
      // Start on the next turn: `draining` must be set before the body can clear it.
      await Promise.resolve();
      try {
        if (this.openRecords > 0) {
          if (this.flushing) this.sealRequested = true;
          else this.sealOpen();
        }
        for (const f of this.segments()) await this.drainSegment(join(this.dir, f));
      } catch (err) {
        this.onError(err as Error);
      } finally {
        this.draining = null;
      }
    };
    this.draining = run();
    return this.draining;
  }

  private async drainSegment(path: string): Promise<void> {
    const records: MeteringRecord[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as MeteringRecord);
      } catch {
        // A torn last line: the process died inside its write, before the fsync that would have
        // let that response complete. Nothing was acknowledged for it.
      }
    }
    for (let i = 0; i < records.length; i += DRAIN_BATCH) {
      const batch = records.slice(i, i + DRAIN_BATCH);
      const r = await this.sink(batch);
      this.rejectedTotal += r.rejected.length;
      for (const x of r.rejected) this.onError(new Error(`metering record ${batch[x.index]?.request.request_id ?? '?'} refused by the database: ${x.reason}`));
    }
    // Only after every batch of it committed: a crash before this line drains it again, and the
    // database skips what it already has.
    unlinkSync(path);
    this.backlog = Math.max(0, this.backlog - records.length);
  }

  /** Drain every intervalMs in the background. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.drain(), intervalMs);
    this.timer.unref();
    void this.drain();
  }

  /** Wait for pending appends, drain what is left, close. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.drain();
    if (this.openRecords > 0) await this.drain();
    closeSync(this.fd);
  }
}

function countLines(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
}
