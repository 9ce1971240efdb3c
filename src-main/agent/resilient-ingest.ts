import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type pg from 'pg';
import { McError } from '../../src-shared/contract/errors';
import type { IngestOutcome } from '../../src-shared/contract/telemetry';
import { connectFailure } from '../db/database';
import { type Batch, sendBatch } from '../services/telemetry';
import type { Sink } from './simulator';

/** Errors that mean "the database is not there right now", as opposed to an answer from it. */
const LOST_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

export function connectionLost(err: Error): boolean {
  if (err instanceof McError) return err.code === 'UNAVAILABLE';
  const code = (err as { code?: string }).code;
  if (code && LOST_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Cannot use a pool after calling end/i.test(err.message);
}

function why(err: Error): string {
  if (err instanceof McError) return err.message;
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'its socket is gone';
  if (code === '57P01' || code === '57P02') return 'the server is shutting down';
  if (code === '57P03') return 'the server is starting up';
  return connectFailure(err);
}

export interface Reachable {
  readonly ingest: pg.Pool;
  readonly where: string;
  reattach(): Promise<void>;
}

export interface ResilientIngest {
  send: Sink;
  /** Batches accepted for sending and not yet answered by the database. */
  readonly held: number;
  /** What it is waiting for, or null when the database answers. */
  readonly waitingFor: string | null;
}

/**
 * Telemetry that survives the database going away: a batch whose call fails because the database
 * is not there is kept and sent again (the same batch id, so it counts once) after a backoff, each
 * time first looking again where the database is (the embedded server takes a new port on every
 * start). It says once when it starts waiting, what for, and when the database is back.
 */
export function resilientIngest(db: Reachable, say: (line: string) => void, signal: AbortSignal, opts: { initialDelayMs?: number; maxDelayMs?: number } = {}): ResilientIngest {
  const maxDelayMs = opts.maxDelayMs ?? 10_000;
  const policy = retry(handleWhen(connectionLost), { backoff: new ExponentialBackoff({ initialDelay: opts.initialDelayMs ?? 250, maxDelay: maxDelayMs }) });
  let held = 0;
  let waitingFor: string | null = null;
  let lastSaid = 0;
  policy.onRetry((r) => {
    if (!('error' in r)) return;
    const reason = why(r.error);
    const now = Date.now();
    if (waitingFor === null || now - lastSaid > 60_000) {
      say(`agent: waiting for the database at ${db.where} (${reason}); holding ${held} batch(es), retrying every ${Math.round(maxDelayMs / 1000)} s at most.`);
      lastSaid = now;
    }
    waitingFor = reason;
  });
  const send: Sink = async (batch: Batch): Promise<IngestOutcome> => {
    held++;
    try {
      const out = await policy.execute(async ({ attempt }) => {
        if (attempt > 0) await db.reattach();
        const r = await sendBatch(db.ingest, batch);
        // "Duplicate" on a resend: an earlier try did land; its samples count once, as accepted.
        return attempt > 0 && r.status === 'duplicate' ? { ...r, status: 'accepted' as const } : r;
      }, signal);
      if (waitingFor !== null) {
        waitingFor = null;
        say(`agent: the database is back at ${db.where}; sending the held batches.`);
      }
      return out;
    } finally {
      held--;
    }
  };
  return {
    send,
    get held() {
      return held;
    },
    get waitingFor() {
      return waitingFor;
    },
  };
}
