import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createAppCore } from '../core/app-core';
import { defaultDataDir } from '../core/paths';
import { DATA_DIR_BUSY_EXIT_CODE, DataDirBusyError } from '../db';
import { startHost } from './server';

const USAGE = `Usage: npm run serve -- [--port N] [--read-only] [--data-dir DIR]

  --port N         listen on 127.0.0.1:N (default: a free port)
  --read-only      wall-display mode: queries only, every command is refused
  --data-dir DIR   where settings, logs and the embedded database live
                   (default: ${defaultDataDir()})

On the embedded database's demo org it also runs the demo gateway (simulated runtimes and demo
traffic) and prints "Gateway at http://127.0.0.1:PORT"; MC_DEMO_GATEWAY=0 turns it off.

Exit codes: 0 stopped, 1 could not start, 2 bad arguments, ${DATA_DIR_BUSY_EXIT_CODE} another Mission Control uses the data folder.`;

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = args.port === undefined ? 0 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a number from 0 to 65535, got "${args.port}".\n`);
    process.exit(2);
  }
  const dataDir = resolve(args['data-dir'] ?? defaultDataDir());

  let core;
  try {
    // A read-only wall display changes nothing and stays up unattended: no session clock there.
    // The demo gateway provisions, so not on a read-only display; scripts read its address line.
    const demoGateway = !args['read-only'] && process.env.MC_DEMO_GATEWAY !== '0' ? { onStarted: (url: string) => process.stdout.write(`Gateway at ${url}\n`) } : false;
    core = createAppCore({ dataDir, sessionClock: !args['read-only'], demoGateway });
  } catch (err) {
    process.stderr.write(`Mission Control cannot start: ${(err as Error).message}\n`);
    process.exit(err instanceof DataDirBusyError ? DATA_DIR_BUSY_EXIT_CODE : 1);
  }
  let host;
  try {
    host = await startHost({ core, port, readOnly: args['read-only'] });
  } catch (err) {
    await core.close();
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(e.code === 'EADDRINUSE' ? `Port ${port} is already in use; choose another with --port.\n` : `Mission Control cannot start: ${e.message}\n`);
    process.exit(1);
  }
  // The one line scripts read; everything else goes to the log file or stderr.
  process.stdout.write(`Mission Control at ${host.url}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    core.log.info({ signal }, 'host: stopping');
    await host.close().catch(() => undefined);
    await core.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await core.start();
  if (core.db.state !== 'connected') process.stderr.write(`Database not connected: ${core.db.message ?? 'unknown reason'}\n`);
}

void main();
