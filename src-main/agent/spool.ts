import type { IngestOutcome } from '../../src-shared/contract/telemetry';
import type { Batch } from '../services/telemetry';
import type { DoorAnswer } from './door-client';

/** A batch given up by the agent itself, not refused by the door: the simulator must not send it again. */
export class SpoolDropped extends Error {
  readonly final = true;
}

export interface SpoolOptions {
  /** Batches held waiting to be sent; past it the oldest waiting one is dropped (and counted). */
  maxBatches: number;
  /** Requests to the door at once. */
  concurrency: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const SPOOL_DEFAULTS: SpoolOptions = { maxBatches: 20_000, concurrency: 8, initialDelayMs: 250, maxDelayMs: 10_000 };

export interface SpoolStats {
  sent: number;
  /** Batches dropped because the spool was full (oldest first), and their samples. */
  dropped: number;
  droppedSamples: number;
  /** Times a batch went again (network, 5xx, 429). */
  resends: number;
}

interface Entry {
  batch: Batch;
  tries: number;
  resolve(o: IngestOutcome): void;
  reject(e: Error): void;
}

/**
 * An agent's spool in front of the telemetry door: batches wait in memory (bounded), a few go at a
 * time, and one that got no final answer (the door is down, restarting, busy with 429, or the
 * database behind it is away) is sent again with the same batch id, so it counts once. While the
 * door is unreachable every sender pauses together (exponential backoff, or the door's
 * Retry-After). Nothing is dropped unless the spool is full: then the oldest waiting batch goes,
 * counted in stats.dropped and said once a minute.
 */
export class DoorSpool {
  readonly stats: SpoolStats = { sent: 0, dropped: 0, droppedSamples: 0, resends: 0 };
  private readonly waiting: Entry[] = [];
  private head = 0;
  private inFlight = 0;
  private resumeAt = 0;
  private delay: number;
  private reason: string | null = null;
  private lastSaid = 0;
  private readonly opts: SpoolOptions;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly post: (batch: Batch, signal: AbortSignal) => Promise<DoorAnswer>,
    private readonly where: string,
    private readonly say: (line: string) => void,
    private readonly signal: AbortSignal,
    opts: Partial<SpoolOptions> = {},
  ) {
    this.opts = { ...SPOOL_DEFAULTS, ...opts };
    this.delay = this.opts.initialDelayMs;
    signal.addEventListener('abort', () => this.abandon(), { once: true });
  }

  /** Batches waiting or in flight (not yet answered finally). */
  get held(): number {
    return this.waiting.length - this.head + this.inFlight;
  }

  /** Why sending is paused, or null when the door answers. */
  get waitingFor(): string | null {
    return this.reason;
  }

  /** The simulator's sink: resolves with the door's final answer, however many tries it takes. */
  readonly send = (batch: Batch): Promise<IngestOutcome> =>
    new Promise<IngestOutcome>((resolve, reject) => {
      if (this.signal.aborted) return reject(new SpoolDropped('The agent is stopping; the batch was not sent.'));
      if (this.waiting.length - this.head >= this.opts.maxBatches) this.dropOldest();
      this.waiting.push({ batch, tries: 0, resolve, reject });
      this.pump();
    });

  private dropOldest(): void {
    const e = this.waiting[this.head]!;
    this.head++;
    this.stats.dropped++;
    this.stats.droppedSamples += e.batch.samples.length;
    const now = Date.now();
    if (now - this.lastSaid > 60_000) {
      this.lastSaid = now;
      this.say(`agent: the spool is full (${this.opts.maxBatches} batches); dropping the oldest. ${this.stats.dropped} batch(es), ${this.stats.droppedSamples} samples dropped so far.`);
    }
    e.reject(new SpoolDropped(`Dropped: the agent's spool of ${this.opts.maxBatches} batches was full while ${this.reason ?? 'the door was slow'}.`));
  }

  private take(): Entry | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const e = this.waiting[this.head++]!;
    // Compact now and then so the array does not grow with everything ever sent.
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return e;
  }

  private pump(): void {
    if (this.signal.aborted) return;
    const wait = this.resumeAt - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    while (this.inFlight < this.opts.concurrency) {
      const e = this.take();
      if (!e) return;
      this.inFlight++;
      void this.attempt(e).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async attempt(e: Entry): Promise<void> {
    let a: DoorAnswer;
    try {
      a = await this.post(e.batch, this.signal);
    } catch (err) {
      if (this.signal.aborted) return e.reject(new SpoolDropped('The agent stopped before the door answered.'));
      a = { retryAfterMs: null, why: (err as Error).message };
    }
    if ('final' in a) {
      this.stats.sent++;
      if (this.reason !== null) {
        this.reason = null;
        this.say(`agent: the door at ${this.where} answers again; sending the ${this.held - 1} held batch(es).`);
      }
      this.delay = this.opts.initialDelayMs;
      // "Duplicate" after an unanswered try: that try did land; its samples count once, as accepted.
      const out = e.tries > 0 && a.final.status === 'duplicate' ? { ...a.final, status: 'accepted' as const } : a.final;
      return e.resolve(out);
    }
    if (this.signal.aborted) return e.reject(new SpoolDropped('The agent stopped before the door answered.'));
    e.tries++;
    this.stats.resends++;
    const pause = a.retryAfterMs ?? this.delay;
    if (a.retryAfterMs === null) this.delay = Math.min(this.opts.maxDelayMs, this.delay * 2);
    this.resumeAt = Math.max(this.resumeAt, Date.now() + pause);
    const now = Date.now();
    if (this.reason === null || now - this.lastSaid > 60_000) {
      this.lastSaid = now;
      this.say(`agent: waiting for the door at ${this.where} (${a.why}); holding ${this.held} batch(es), retrying in ${Math.ceil(pause / 1000)} s.`);
    }
    this.reason = a.why;
    // Back at the front: the oldest batch goes first when the door answers again.
    this.head > 0 ? (this.waiting[--this.head] = e) : this.waiting.unshift(e);
  }

  private abandon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (let e = this.take(); e; e = this.take()) e.reject(new SpoolDropped('The agent stopped before this batch was sent.'));
  }
}
