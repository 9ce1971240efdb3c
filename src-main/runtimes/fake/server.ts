/**
 * Fake GPU runtimes for tests and demos (a real vLLM, Ollama or TGI needs a GPU and model weights,
 * which this machine and CI do not have). Each fake answers its runtime's documented wire format
 * (see the kind's file for the source) on 127.0.0.1, and can be told to misbehave.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'none' | 'slow' | 'error500' | 'malformed' | 'oversized' | 'redirect' | 'unauthorized';

export interface FakeState {
  fault: Fault;
  /** Only these paths misbehave (all when empty). */
  faultPaths: string[];
  slowMs: number;
  /** Bearer token the fake requires, if any. */
  apiKey: string | null;
  /** Every call, with its parsed body (tests check what a client sent on). */
  calls: { method: string; path: string; auth: string | null; body?: unknown }[];
  /** Tokens each inference request "generates" (one SSE content chunk each). */
  tokens: number;
  /** Time an inference request takes before its answer starts (a model computing), 0 = at once. */
  latencyMs: number;
  /** Pause between two SSE events, to let a test act mid-stream. */
  streamDelayMs: number;
  /** Drop the connection after this many SSE events (a runtime dying mid-stream); null = never. */
  dieAfterEvents: number | null;
  /** Inference requests answered in full / streams the client cut off before the end. */
  served: number;
  cut: number;
  /** Tokens answered so far (from each answer's usage), as a runtime's own counters count them. */
  promptTokens: number;
  completionTokens: number;
  /** Calls kept in `calls` (oldest dropped), so a long-running demo runtime does not grow without end. */
  callLimit: number;
}

export type Route = (req: IncomingMessage, body: unknown, state: FakeState) => { status?: number; json?: unknown; text?: string; type?: string; sse?: string[] } | null;

export interface FakeRuntime {
  url: string;
  state: FakeState;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function addUsage(state: FakeState, usage: unknown): boolean {
  if (!usage || typeof usage !== 'object') return false;
  const u = usage as { prompt_tokens?: unknown; completion_tokens?: unknown };
  state.promptTokens += typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0;
  state.completionTokens += typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  return true;
}

/** A stream's tokens: its usage chunk when the client asked for one, else one token per content chunk. */
function countTokens(state: FakeState, events: string[]): void {
  let chunks = 0;
  for (const ev of events) {
    const data = /^data: (\{.*\})\s*$/s.exec(ev)?.[1];
    if (!data) continue;
    let parsed: { usage?: unknown; choices?: { delta?: { content?: unknown }; text?: unknown }[] };
    try {
      parsed = JSON.parse(data) as typeof parsed;
    } catch {
      continue;
    }
    if (addUsage(state, parsed.usage)) return;
    const c = parsed.choices?.[0];
    const text = c?.delta?.content ?? c?.text;
    if (typeof text === 'string' && text !== '') chunks++;
  }
  state.completionTokens += chunks;
}

export async function startFake(route: Route, init: Partial<FakeState> = {}, port = 0): Promise<FakeRuntime> {
  const state: FakeState = { fault: 'none', faultPaths: [], slowMs: 3000, apiKey: null, calls: [], tokens: 8, latencyMs: 0, streamDelayMs: 0, dieAfterEvents: null, served: 0, cut: 0, promptTokens: 0, completionTokens: 0, callLimit: 10_000, ...init };
  const server: Server = createServer((req, res: ServerResponse) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      const auth = req.headers.authorization ?? null;
      const call: FakeState['calls'][number] = { method: req.method ?? 'GET', path, auth };
      state.calls.push(call);
      if (state.calls.length > state.callLimit) state.calls.splice(0, state.calls.length - state.callLimit);
      const body = await readBody(req);
      call.body = body;
      const faulty = state.fault !== 'none' && (state.faultPaths.length === 0 || state.faultPaths.includes(path));
      if (state.apiKey && auth !== `Bearer ${state.apiKey}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      if (faulty) {
        switch (state.fault) {
          case 'slow':
            await new Promise((r) => setTimeout(r, state.slowMs));
            break;
          case 'error500':
            res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
            return;
          case 'malformed':
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [ {"id": ');
            return;
          case 'oversized': {
            res.writeHead(200, { 'content-type': 'application/json' });
            const chunk = Buffer.alloc(64 * 1024, 0x20);
            for (let i = 0; i < 80 && !res.destroyed; i++) res.write(chunk);
            res.end('{}');
            return;
          }
          case 'redirect':
            res.writeHead(302, { location: 'http://198.51.100.7/v1/models' }).end();
            return;
          case 'unauthorized':
            res.writeHead(401).end();
            return;
        }
      }
      if (state.latencyMs > 0 && /^\/(v1\/(chat\/completions|completions|embeddings)|api\/(chat|generate|embed))$/.test(path)) await new Promise((r) => setTimeout(r, state.latencyMs));
      const out = route(req, body, state);
      if (!out) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
        return;
      }
      if (out.sse) {
        res.writeHead(out.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (const [i, ev] of out.sse.entries()) {
          if (state.dieAfterEvents !== null && i >= state.dieAfterEvents) {
            // What was written reaches the client first; then the process "dies".
            await new Promise((r) => setTimeout(r, 50));
            res.socket?.destroy();
            return;
          }
          if (res.destroyed || req.socket.destroyed) {
            state.cut++;
            return;
          }
          if (!res.write(ev)) await new Promise((r) => res.once('drain', r));
          if (state.streamDelayMs > 0) await new Promise((r) => setTimeout(r, state.streamDelayMs));
        }
        if (res.destroyed) {
          state.cut++;
          return;
        }
        state.served++;
        countTokens(state, out.sse);
        res.end();
        return;
      }
      if (out.json !== undefined && /^\/v1\/(chat\/completions|completions|embeddings)$/.test(path) && (out.status ?? 200) < 300) {
        state.served++;
        addUsage(state, (out.json as { usage?: unknown }).usage);
      }
      if (out.json !== undefined) res.writeHead(out.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(out.json));
      else res.writeHead(out.status ?? 200, { 'content-type': out.type ?? 'text/plain; version=0.0.4' }).end(out.text ?? '');
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    state,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
