import { chmodSync, existsSync, mkdirSync } from 'node:fs';
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
  /** Rotation of logs/main.N.log: size per file (pino-roll units: 10m, 512k) and how many old files to keep. */
  rotate?: { size: string; keep: number };
  /** Identical warnings (same level and message) logged more than `burst` times per `windowMs` are counted, not written. */
  repeats?: { burst: number; windowMs: number };
}

export const LOG_ROTATION = { size: '10m', keep: 5 };
export const LOG_REPEATS = { burst: 5, windowMs: 60_000 };
const WARN = 40;

/**
 * A warning that repeats (refused telemetry from a misconfigured agent, a flapping connection)
 * must not fill the disk or drown everything else: past `burst` identical ones in a window, the
 * rest are counted and one line says how many were left out when the window ends.
 */
function repeatLimiter(repeats: { burst: number; windowMs: number }): pino.LoggerOptions['hooks'] {
  const seen = new Map<string, { count: number; suppressed: number }>();
  return {
    logMethod(args, method, level) {
      if (level < WARN) return method.apply(this, args);
      const msg = typeof args[0] === 'string' ? args[0] : typeof args[1] === 'string' ? args[1] : '';
      const key = `${level} ${msg}`;
      let entry = seen.get(key);
      if (!entry) {
        entry = { count: 0, suppressed: 0 };
        seen.set(key, entry);
        const e = entry;
        setTimeout(() => {
          seen.delete(key);
          if (e.suppressed > 0) {
            method.call(this, { repeated: e.suppressed, windowMs: repeats.windowMs } as never, `${msg} (repeated ${e.suppressed} more times; not written)` as never);
          }
        }, repeats.windowMs).unref();
      }
      entry.count++;
      if (entry.count > repeats.burst) {
        entry.suppressed++;
        return;
      }
      return method.apply(this, args);
    },
  };
}

/**
 * Structured JSON logs to <dataDir>/logs/main.N.log (owner-only, rotated by size, the newest
 * LOG_ROTATION.keep old files kept) through pino-roll in pino's worker thread; warnings and
 * errors also to stderr.
 */
export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.MC_LOG_LEVEL ?? 'info';
  const base: pino.LoggerOptions = {
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    level,
    base: { app: 'mission-control' },
    hooks: repeatLimiter(opts.repeats ?? LOG_REPEATS),
  };
  if (opts.stream) return pino(base, opts.stream as pino.DestinationStream);
  if (!opts.dataDir) return pino(base, pino.destination(2));
  const dir = join(opts.dataDir, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Written world-readable by earlier versions.
  if (existsSync(join(dir, 'main.log'))) chmodSync(join(dir, 'main.log'), 0o600);
  const rotate = opts.rotate ?? LOG_ROTATION;
  const transport = pino.transport({
    targets: [
      { target: 'pino/file', level: 'warn', options: { destination: 2 } },
      {
        target: 'pino-roll',
        level,
        options: { file: join(dir, 'main'), extension: '.log', size: rotate.size, limit: { count: rotate.keep, removeOtherLogFiles: true }, mkdir: true, mode: 0o600 },
      },
    ],
  });
  return pino(base, transport);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
