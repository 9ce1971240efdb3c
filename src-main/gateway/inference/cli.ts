import { hostname } from 'node:os';
import pino from 'pino';
import { cliArgs, numberArg } from '../../cli/args';
import { unlimited } from './admission';
import { KeyringVault } from '../../vault';
import { keychainKeys, loadRuntimeKeys, RuntimeKeysError } from './runtime-keys';
import { GATEWAY_DEFAULTS, startGateway } from './server';

const USAGE = `Usage: npm run gateway -- --spool-dir DIR [--host H] [--port P] [--runtime-keys FILE] [--instance NAME]
                           [--body-limit BYTES] [--headers-timeout MS] [--body-timeout MS] [--pool N] [--drain-interval MS] [--no-limits]

The customer gateway: OpenAI-compatible POST /v1/chat/completions, /v1/completions, /v1/embeddings
(streaming and not), GET /v1/models and /api/v1/models, GET /healthz and GET /metrics. Customers
authenticate with "Authorization: Bearer ume_live_…" (or ume_test_…).

Database: MC_GATEWAY_DATABASE_URL (postgres://login:password@host:port/db), or the standard PGHOST,
PGPORT, PGDATABASE, PGUSER, PGPASSWORD variables. The login must be a member of mc_gateway.

  --spool-dir DIR        the metering spool (write-ahead log), one per gateway instance (required)
  --host H               address to listen on (default 127.0.0.1)
  --port P               port (default ${GATEWAY_DEFAULTS.port}; 0 picks a free one)
  --runtime-keys FILE    JSON {"<runtime id>": "<api key>"}, mode 0600; or MC_RUNTIME_KEYS with the same JSON
  --runtime-keys keychain  on a workstation: the keys saved in Runtimes, from the OS keychain
  --instance NAME        this instance's name in the request log (default host:pid)
  --body-limit BYTES     largest request body (default ${GATEWAY_DEFAULTS.bodyLimit})
  --headers-timeout MS   wait for a runtime's first byte (default ${GATEWAY_DEFAULTS.headersTimeoutMs})
  --body-timeout MS      longest pause inside a runtime's answer (default ${GATEWAY_DEFAULTS.bodyTimeoutMs})
  --pool N               database connections (default ${GATEWAY_DEFAULTS.poolSize})
  --drain-interval MS    how often the spool is drained to Postgres (default ${GATEWAY_DEFAULTS.drainIntervalMs})
  --no-limits            admit every request (no rate, token, quota or concurrency limits): for a private test gateway only`;

const num = (v: string | undefined, fallback: number, name: string, min: number, max: number) => numberArg(v, fallback, name, min, max, true);

async function main(): Promise<void> {
  const args = cliArgs(
    {
      host: { type: 'string' },
      port: { type: 'string' },
      'spool-dir': { type: 'string' },
      'runtime-keys': { type: 'string' },
      instance: { type: 'string' },
      'body-limit': { type: 'string' },
      'headers-timeout': { type: 'string' },
      'body-timeout': { type: 'string' },
      pool: { type: 'string' },
      'no-limits': { type: 'boolean', default: false },
      'drain-interval': { type: 'string' },
    },
    USAGE,
  );
  if (!args['spool-dir']) {
    process.stderr.write(`--spool-dir is required: the gateway writes every request's metering there before it answers.\n${USAGE}\n`);
    process.exit(2);
  }
  // Logs go to stderr as JSON lines; keys (customer and runtime) are headers or memory, never logged.
  const log = pino(
    { level: process.env.MC_LOG_LEVEL ?? 'info', redact: ['password', '*.password', 'headers.authorization', '*.authorization', 'apiKey', '*.apiKey'] },
    pino.destination(2),
  );
  let runtimeKeys;
  try {
    runtimeKeys =
      args['runtime-keys'] === 'keychain'
        ? keychainKeys(new KeyringVault(), { onError: (account, err) => log.warn({ account, err: err.message }, 'runtime key not readable from the OS keychain') })
        : loadRuntimeKeys({ file: args['runtime-keys'], env: process.env.MC_RUNTIME_KEYS });
  } catch (err) {
    const msg = err instanceof RuntimeKeysError ? err.message : `could not read ${args['runtime-keys']} (${(err as { code?: string }).code ?? 'error'})`;
    process.stderr.write(`gateway: runtime keys refused: ${msg}\n`);
    process.exit(2);
  }
  const url = process.env.MC_GATEWAY_DATABASE_URL;
  let gateway;
  try {
    gateway = await startGateway({
      db: { ...(url ? { connectionString: url } : {}), connectionTimeoutMillis: 8000, keepAlive: true },
      host: args.host ?? '127.0.0.1',
      port: num(args.port, GATEWAY_DEFAULTS.port, 'port', 0, 65535),
      spoolDir: args['spool-dir'],
      // Default: the shared Postgres limits; --no-limits only for a private test gateway.
      ...(args['no-limits'] ? { limiter: unlimited } : {}),
      runtimeKeys,
      instance: args.instance ?? `${hostname()}:${process.pid}`,
      bodyLimit: num(args['body-limit'], GATEWAY_DEFAULTS.bodyLimit, 'body-limit', 1024, 64 * 1024 * 1024),
      headersTimeoutMs: num(args['headers-timeout'], GATEWAY_DEFAULTS.headersTimeoutMs, 'headers-timeout', 100, 600_000),
      bodyTimeoutMs: num(args['body-timeout'], GATEWAY_DEFAULTS.bodyTimeoutMs, 'body-timeout', 100, 600_000),
      drainIntervalMs: num(args['drain-interval'], GATEWAY_DEFAULTS.drainIntervalMs, 'drain-interval', 50, 3_600_000),
      poolSize: num(args.pool, GATEWAY_DEFAULTS.poolSize, 'pool', 1, 500),
      log,
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`gateway: could not start (${e.code ?? 'error'}: ${e.message ?? String(err)}). Check the database variables, the spool folder and that the port is free.\n`);
    process.exit(1);
  }
  process.stdout.write(`Gateway listening on ${gateway.url}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
