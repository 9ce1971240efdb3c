import { cliArgs, numberArg } from '../cli/args';
import pino from 'pino';
import { INGEST_DEFAULTS, startIngestServer } from './ingest-server';

const USAGE = `Usage: npm run ingest-server -- [--host H] [--port P] [--max-queue-depth N] [--org-rate R] [--drain-loops N] [--no-worker]

The node agents' telemetry door: POST /v1/telemetry (Authorization: Bearer ume_node_…) and
GET /healthz. A batch is acknowledged once it is in the durable queue in Postgres; the worker in
this process writes queued batches into the telemetry tables.

Database: MC_INGEST_DATABASE_URL (postgres://login:password@host:port/db), or the standard PGHOST,
PGPORT, PGDATABASE, PGUSER, PGPASSWORD variables. The login must be a member of mc_ingest.

  --host H             address to listen on (default 127.0.0.1)
  --port P             port (default ${INGEST_DEFAULTS.port}; 0 picks a free one)
  --max-queue-depth N  queued batches above which the door answers 429 (default ${INGEST_DEFAULTS.maxQueueDepth})
  --org-rate R         batches per second per org, bursts of 2×R (default ${INGEST_DEFAULTS.orgRate.perSecond})
  --drain-loops N      drain loops writing in parallel, each on its share of the nodes (default 2, 1..64)
  --no-worker          only the door; another ingest-server drains the queue`;

const num = (v: string | undefined, fallback: number, name: string, min: number, max: number) => numberArg(v, fallback, name, min, max, true);

async function main(): Promise<void> {
  const args = cliArgs(
    {
      host: { type: 'string' },
      port: { type: 'string' },
      'max-queue-depth': { type: 'string' },
      'org-rate': { type: 'string' },
      'drain-loops': { type: 'string' },
      'no-worker': { type: 'boolean', default: false },
    },
    USAGE,
  );
  const orgRate = num(args['org-rate'], INGEST_DEFAULTS.orgRate.perSecond, 'org-rate', 1, 10_000_000);
  // Logs go to stderr as JSON lines; the key is a header and never logged, nor are bodies.
  const log = pino({ level: process.env.MC_LOG_LEVEL ?? 'info', redact: ['password', '*.password', 'headers.authorization'] }, pino.destination(2));
  const url = process.env.MC_INGEST_DATABASE_URL;
  let server;
  try {
    server = await startIngestServer({
      db: { ...(url ? { connectionString: url } : {}), connectionTimeoutMillis: 8000, keepAlive: true },
      host: args.host ?? '127.0.0.1',
      port: num(args.port, INGEST_DEFAULTS.port, 'port', 0, 65535),
      maxQueueDepth: num(args['max-queue-depth'], INGEST_DEFAULTS.maxQueueDepth, 'max-queue-depth', 1, 100_000_000),
      orgRate: { perSecond: orgRate, burst: orgRate * 2 },
      worker: args['no-worker'] ? false : { parallel: num(args['drain-loops'], 2, 'drain-loops', 1, 64) },
      log,
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`ingest-server: could not start (${e.code ?? 'error'}: ${e.message ?? String(err)}). Check the database variables and that the port is free.\n`);
    process.exit(1);
  }
  process.stdout.write(`ingest-server: listening on ${server.url}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
