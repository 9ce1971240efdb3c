/**
 * Calls to runtimes' OpenAI-compatible endpoints (vLLM and generic servers at /v1/…, Ollama's
 * OpenAI compatibility at /v1/…, TGI's Messages API at /v1/chat/completions) over undici, with a
 * per-runtime circuit breaker (cockatiel). "Opened" means the runtime answered with headers and a
 * status below 500: from then on bytes flow to the client and a failure is a mid-stream failure,
 * never retried elsewhere. Before that (refused, timed out, 5xx, 401/403, circuit open) the caller may try
 * the decision's fallback.
 */
import { CircuitState, ConsecutiveBreaker, type CircuitBreakerPolicy, circuitBreaker, handleAll, isBrokenCircuitError } from 'cockatiel';
import { Agent, type Dispatcher } from 'undici';
import type { RuntimeTarget } from './gateway-db';
import type { RuntimeKeySource } from './runtime-keys';

export type UpstreamFault = 'refused' | 'timeout' | 'http_5xx' | 'credentials' | 'circuit_open' | 'aborted';

export class UpstreamError extends Error {
  constructor(
    readonly fault: UpstreamFault,
    message: string,
  ) {
    super(message);
  }
}

export interface UpstreamOptions {
  /** Until the runtime's response headers. */
  headersTimeoutMs: number;
  /** Longest silence between two body chunks. */
  bodyTimeoutMs: number;
  breakAfter: number;
  halfOpenAfterMs: number;
  keys: RuntimeKeySource;
}

export const ENDPOINT_PATHS = { 'chat.completions': '/v1/chat/completions', completions: '/v1/completions', embeddings: '/v1/embeddings' } as const;
export type InferenceEndpoint = keyof typeof ENDPOINT_PATHS;

export class Upstreams {
  private readonly agent: Agent;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(private readonly opts: UpstreamOptions) {
    this.agent = new Agent({ connections: 512, headersTimeout: opts.headersTimeoutMs, bodyTimeout: opts.bodyTimeoutMs, keepAliveTimeout: 10_000 });
  }

  private breaker(runtimeId: string): CircuitBreakerPolicy {
    let b = this.breakers.get(runtimeId);
    if (!b) {
      b = circuitBreaker(handleAll, { halfOpenAfter: this.opts.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.opts.breakAfter) });
      this.breakers.set(runtimeId, b);
    }
    return b;
  }

  /** 0 closed, 1 half-open, 2 open, per runtime this process has called. */
  circuitStates(): [string, number][] {
    return [...this.breakers].map(([id, b]) => [id, b.state === CircuitState.Closed ? 0 : b.state === CircuitState.HalfOpen ? 1 : 2]);
  }

  async open(target: RuntimeTarget, endpoint: InferenceEndpoint, body: Record<string, unknown>, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json' };
    const key = await this.opts.keys.get(target.orgId, target.id);
    if (key) headers.authorization = `Bearer ${key}`;
    const url = `${target.baseUrl.replace(/\/+$/, '')}${ENDPOINT_PATHS[endpoint]}`;
    try {
      return await this.breaker(target.id).execute(async () => {
        let res: Dispatcher.ResponseData;
        try {
          res = await this.agent.request({ origin: new URL(url).origin, path: new URL(url).pathname, method: 'POST', headers, body: JSON.stringify(body), signal });
        } catch (err) {
          const e = err as Error & { code?: string };
          if (signal.aborted) throw new UpstreamError('aborted', 'The client went away before the runtime answered.');
          if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') throw new UpstreamError('timeout', 'The runtime did not answer in time.');
          throw new UpstreamError('refused', 'The runtime could not be reached.');
        }
        if (res.statusCode >= 500) {
          await res.body.dump().catch(() => undefined);
          throw new UpstreamError('http_5xx', `The runtime answered HTTP ${res.statusCode}.`);
        }
        // The runtime refusing the gateway's own credentials is the operator's problem, not the
        // client's: never pass it on as if the client's key were wrong.
        if (res.statusCode === 401 || res.statusCode === 403) {
          await res.body.dump().catch(() => undefined);
          throw new UpstreamError('credentials', `The runtime refused the gateway's credentials (HTTP ${res.statusCode}); check its key in the runtime keys file (or, with --runtime-keys keychain, in Runtimes on this workstation).`);
        }
        return res;
      });
    } catch (err) {
      if (isBrokenCircuitError(err)) throw new UpstreamError('circuit_open', 'The runtime’s circuit is open after repeated failures.');
      throw err;
    }
  }

  /** A runtime failure after the first byte still counts toward its breaker. */
  recordMidStreamFailure(runtimeId: string): void {
    void this.breaker(runtimeId)
      .execute(() => Promise.reject(new Error('mid-stream failure')))
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
