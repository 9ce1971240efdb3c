import pg from 'pg';
import type { Logger } from 'pino';
import { QueueWorker, type WorkerOptions } from '../services/telemetry/queue-worker';
import { queueDepth, TelemetryQueue } from '../services/telemetry/queue';
import { OrgRateLimit } from './org-rate-limit';
import { telemetryDoor } from './telemetry-door';
import { warnIfUnbound } from '../db/login-orgs';

export interface IngestServerOptions {
  /** Connection to Postgres as a login that is a member of mc_ingest (and nothing more). */
  db: pg.PoolConfig;
  host?: string;
  port?: number;
  /** Batches waiting in the queue above which the door answers 429. */
  maxQueueDepth?: number;
  /** Batches per second per org, and the burst allowed. */
  orgRate?: { perSecond: number; burst: number };
  bodyLimit?: number;
  /** Run the worker in this process (default); false: door only (another process drains). */
  worker?: boolean | WorkerOptions;
  log: Logger;
}

export interface IngestServer {
  url: string;
  worker: QueueWorker | null;
  close(): Promise<void>;
}

export const INGEST_DEFAULTS = {
  port: 8787,
  maxQueueDepth: 200_000,
  // 100,000 nodes sending every ten seconds is 10,000 batches/s for the biggest org we plan for.
  orgRate: { perSecond: 20_000, burst: 40_000 },
} as const;

/**
 * The data plane's telemetry door as one headless process: HTTP in front, the durable queue in
 * Postgres, and a worker draining it. No Electron, no app core; it meets the app only in Postgres.
 */
export async function startIngestServer(opts: IngestServerOptions): Promise<IngestServer> {
  const door = new pg.Pool({ ...opts.db, max: 3 });
  const workerOpts: WorkerOptions = typeof opts.worker === 'object' ? opts.worker : {};
  // One connection per drain loop (each holds its transaction for a whole write).
  const drain = new pg.Pool({ ...opts.db, max: Math.max(2, workerOpts.parallel ?? 2) });
  // A restarting database ends idle connections; the pools reconnect on the next query.
  door.on('error', () => undefined);
  drain.on('error', () => undefined);

  let depth: { batches: number; oldest: string | null; deadLetters: number } | null = null;
  let depthAt = 0;
  const pollDepth = async () => {
    try {
      depth = await queueDepth(door);
      depthAt = Date.now();
    } catch {
      if (Date.now() - depthAt > 5000) depth = null;
    }
  };
  await pollDepth();
  await warnIfUnbound(door, opts.log, 'ingest-server');
  const depthTimer = setInterval(() => void pollDepth(), 250);

  const worker = opts.worker === false ? null : new QueueWorker(drain, opts.log, workerOpts);
  const queue = new TelemetryQueue(door);
  const rate = opts.orgRate ?? INGEST_DEFAULTS.orgRate;
  const app = telemetryDoor({
    queue,
    rateLimit: new OrgRateLimit(rate.perSecond, rate.burst),
    depth: () => depth,
    maxQueueDepth: opts.maxQueueDepth ?? INGEST_DEFAULTS.maxQueueDepth,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    log: opts.log,
    onQueued: () => worker?.poke(),
  });
  worker?.start();
  const url = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? INGEST_DEFAULTS.port });
  return {
    url,
    worker,
    async close() {
      // Stop taking requests, answer those in flight, then stop draining.
      await app.close();
      await queue.idle();
      clearInterval(depthTimer);
      await worker?.stop();
      await door.end();
      await drain.end();
    },
  };
}
