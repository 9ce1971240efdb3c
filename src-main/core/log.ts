import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Keys that must never reach a log line even if someone logs a whole object by mistake.
 * The real protection is that secrets are never passed to the logger; this is the safety net.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'connectionString',
  '*.connectionString',
  'headers.authorization',
  'req.headers.authorization',
];

export interface LogOptions {
  dataDir?: string;
  level?: string;
  /** Tests pass a stream to read what was logged. */
  stream?: NodeJS.WritableStream;
}

/** Structured JSON logs to <dataDir>/logs/main.log; warnings and errors also to stderr. */
export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.MC_LOG_LEVEL ?? 'info';
  const base = { redact: { paths: REDACT_PATHS, censor: '[redacted]' }, level, base: { app: 'mission-control' } };
  if (opts.stream) return pino(base, opts.stream as pino.DestinationStream);
  const streams: pino.StreamEntry[] = [{ level: 'warn', stream: pino.destination(2) }];
  if (opts.dataDir) {
    const dir = join(opts.dataDir, 'logs');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: join(dir, 'main.log'), mkdir: true, sync: false }) });
  }
  return pino(base, pino.multistream(streams));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
