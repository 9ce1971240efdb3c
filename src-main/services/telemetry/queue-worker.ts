import type pg from 'pg';
import type { Logger } from 'pino';

export interface WorkerOptions {
  /** Batches written per statement. */
  maxGroup?: number;
  /** Attempts before a batch goes to the dead letters. */
  maxAttempts?: number;
  /** First retry delay; each further one doubles (capped at ten minutes in the database). */
  backoffBaseMs?: number;
  /** How long to wait when the queue is empty. */
  idleMs?: number;
  /**
   * Drain loops run at once, each on its own share of the nodes (1..64). One loop wrote on one
   * database core and fell behind the door; shares never touch the same node's rows, so loops do
   * not wait on each other. The drain pool needs at least this many connections.
   */
  parallel?: number;
  /**
   * After a write of fewer than a quarter of maxGroup batches, wait this long before claiming again
   * (new batches do not cut it short). A write's cost is mostly per statement at small sizes: on
   * the bench, groups of 10 cost two to three times as much per batch as groups of 200, so a drain
   * that keeps up by writing each trickle at once spends the CPU the door needs. Adds at most this
   * much to a batch's time in the queue.
   */
  lingerMs?: number;
}

export interface WorkerStats {
  batches: number;
  samples: number;
  failures: number;
  deadLettered: number;
}

/** Errors of the connection or the server's state, not of a batch: they never count as an attempt. */
function transient(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  if (!code) return true;
  return code.startsWith('08') || code.startsWith('57') || code.startsWith('53') || code === '40001' || code === '40P01' || code === '55P03';
}

/** What is kept about a failure: the database's code and message, never data or a secret. */
function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${e.code ?? 'error'}: ${(e.message ?? String(err)).slice(0, 400)}`;
}

/**
 * Drains mc.ingest_queue into the telemetry tables, in `parallel` loops each on its share of the
 * nodes: claims up to maxGroup due batches (SKIP LOCKED, so several workers never take the same ones), writes them all in one statement per org,
 * and removes them, in one transaction. When the write fails the claimed batches get an attempt
 * counted and a later retry (exponential backoff); a batch that failed before is retried alone, and
 * one that keeps failing goes to the dead letters with its reason. When the database is away,
 * nothing is counted: the worker waits and tries again.
 */
export class QueueWorker {
  readonly stats: WorkerStats = { batches: 0, samples: 0, failures: 0, deadLettered: 0 };
  private stopping = false;
  private readonly wakes = new Set<() => void>();
  /** Lingering loops: cut short only by stop(), never by new batches. */
  private readonly stops = new Set<() => void>();
  private loops: Promise<void>[] | null = null;
  private readonly maxGroup: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly idleMs: number;
  readonly parallel: number;
  private readonly lingerMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    opts: WorkerOptions = {},
  ) {
    this.maxGroup = opts.maxGroup ?? 2000;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.backoffBaseMs = opts.backoffBaseMs ?? 1000;
    this.idleMs = opts.idleMs ?? 200;
    this.parallel = opts.parallel ?? 2;
    this.lingerMs = opts.lingerMs ?? 100;
    if (!Number.isInteger(this.lingerMs) || this.lingerMs < 0 || this.lingerMs > 10_000) {
      throw new Error(`lingerMs must be a whole number of milliseconds from 0 to 10000, not ${this.lingerMs}`);
    }
    if (!Number.isInteger(this.parallel) || this.parallel < 1 || this.parallel > 64) {
      throw new Error(`parallel must be a whole number from 1 to 64 (drain loops), not ${this.parallel}`);
    }
  }

  start(): void {
    this.loops ??= Array.from({ length: this.parallel }, (_, part) => this.run(part));
  }

  /** New batches were queued: do not wait for the idle timer. */
  poke(): void {
    for (const w of this.wakes) w();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.poke();
    for (const s of this.stops) s();
    await Promise.all(this.loops ?? []);
  }

  /**
   * One pass: claim, write, commit. Returns how many batches it took (0: nothing due). With a
   * part, only batches of that share of the nodes (of `parallel` shares); without, any.
   */
  async drainOnce(part?: number): Promise<number> {
    const client = await this.pool.connect();
    let broken = false;
    // The database may end this connection between our statements (a restart, an administrator):
    // a checked-out client then emits 'error', which with no listener ends the whole process.
    const lost = () => {
      broken = true;
    };
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const seqs = (
        await client.query<{ s: string[] }>('SELECT mc.ingest_claim($1, $2, $3) AS s', [this.maxGroup, part ?? 0, part === undefined ? 1 : this.parallel])
      ).rows[0]!.s;
      if (seqs.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      await client.query('SAVEPOINT write');
      try {
        const n = (await client.query<{ n: number }>('SELECT mc.ingest_write($1::bigint[]) AS n', [seqs])).rows[0]!.n;
        await client.query('COMMIT');
        this.stats.batches += seqs.length;
        this.stats.samples += n;
        return seqs.length;
      } catch (err) {
        if (transient(err)) throw err;
        await client.query('ROLLBACK TO SAVEPOINT write');
        const dead = (
          await client.query<{ d: number }>('SELECT mc.ingest_failed($1::bigint[], $2, $3, $4) AS d', [seqs, reasonOf(err), this.maxAttempts, this.backoffBaseMs])
        ).rows[0]!.d;
        await client.query('COMMIT');
        this.stats.failures += 1;
        this.stats.deadLettered += dead;
        this.log.warn({ batches: seqs.length, deadLettered: dead, reason: reasonOf(err) }, 'telemetry queue: a write failed; its batches will be retried');
        return seqs.length;
      }
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  private async run(part: number): Promise<void> {
    let pause = 0;
    while (!this.stopping) {
      let took = 0;
      try {
        took = await this.drainOnce(part);
        pause = 0;
      } catch (err) {
        // The database is away or restarting: nothing was counted against any batch.
        pause = Math.min(5000, Math.max(100, pause * 2));
        this.log.warn({ reason: reasonOf(err), retryInMs: pause }, 'telemetry queue: the database did not answer; retrying');
      }
      if (this.stopping) break;
      if (took > 0 && pause === 0 && took < this.maxGroup / 4 && this.lingerMs > 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            this.stops.delete(done);
            resolve();
          };
          const t = setTimeout(done, this.lingerMs);
          this.stops.add(done);
        });
      } else if (took === 0 || pause > 0) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(t);
            this.wakes.delete(wake);
            resolve();
          };
          const t = setTimeout(wake, pause || this.idleMs);
          this.wakes.add(wake);
        });
      }
    }
  }
}
