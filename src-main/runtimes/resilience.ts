/**
 * Per-runtime resilience with cockatiel: each call retried with exponential backoff and jitter,
 * then a consecutive-failure circuit breaker (closed → open → half-open after a pause) whose state
 * the prober records. Timeouts are per HTTP call (http.ts).
 */
import { CircuitState as CockatielState, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, isBrokenCircuitError, isIsolatedCircuitError, retry, wrap } from 'cockatiel';
import type { CircuitState } from '../../src-shared/domain/routing/types';
import { RuntimeError } from './errors';

export interface ResilienceOptions {
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  breakAfter?: number;
  halfOpenAfterMs?: number;
}

export interface Resilience {
  run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  state(): CircuitState;
}

// Backoff is cockatiel's default decorrelated-jitter generator, capped at maxDelay.
// A runtime that answered, but wrongly (malformed, oversized, redirected, wrong kind), will answer
// the same way again: retrying it only delays the error. Unreachable and slow ones may recover.
const transient = (e: Error) => !(e instanceof RuntimeError) || e.fault === 'timeout' || e.fault === 'refused' || e.fault === 'http_status';

export function resilience(opts: ResilienceOptions = {}): Resilience {
  const retryPolicy = retry(handleWhen(transient), {
    maxAttempts: Math.max(0, (opts.attempts ?? 3) - 1),
    backoff: new ExponentialBackoff({ initialDelay: opts.initialDelayMs ?? 200, maxDelay: opts.maxDelayMs ?? 2000 }),
  });
  // Every failure counts toward the breaker, transient or not: a runtime answering garbage is as
  // unusable as one that is down.
  const breaker = circuitBreaker(handleWhen(() => true), {
    halfOpenAfter: opts.halfOpenAfterMs ?? 30_000,
    breaker: new ConsecutiveBreaker(opts.breakAfter ?? 3),
  });
  const halfOpenAfter = opts.halfOpenAfterMs ?? 30_000;
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = Date.now();
  });
  const policy = wrap(breaker, retryPolicy);
  return {
    async run(fn) {
      try {
        return await policy.execute(({ signal }) => fn(signal));
      } catch (err) {
        if (isBrokenCircuitError(err) || isIsolatedCircuitError(err)) {
          throw new RuntimeError('circuit_open', 'The circuit breaker is open after repeated failures; the runtime is not called until it half-opens.');
        }
        throw err;
      }
    },
    state() {
      switch (breaker.state) {
        case CockatielState.Open:
          // cockatiel moves to half-open on the next call after the pause; say so before that call.
          return Date.now() - openedAt >= halfOpenAfter ? 'half_open' : 'open';
        case CockatielState.Isolated:
          return 'open';
        case CockatielState.HalfOpen:
          return 'half_open';
        default:
          return 'closed';
      }
    },
  };
}
