/**
 * A trickle of demo customer traffic through the demo gateway: one request every few seconds, from
 * the countries of the corridors that have a demo runtime, each with the key of the demo customer
 * homed in that corridor, mostly plain chat, some streamed with
 * usage, some to the Ollama model. It goes through the gateway's public endpoint with the demo
 * customer's key, so key check, limits, routing, metering and reconciliation all run for real.
 */
import type { FakeRuntime } from '../../runtimes/fake';

export interface TrafficTarget {
  gatewayUrl: string;
  /** Per runtime: its model, the countries a request for it comes from, and the key of the demo customer homed there. */
  routes: { model: string; countries: string[]; fake: FakeRuntime; key: string }[];
}

export interface TrafficOptions {
  /** Mean pause between two requests. */
  everyMs: number;
  random?: () => number;
  onError?: (err: Error) => void;
}

const PROMPTS = ['Summarise the corridor status for the night shift.', 'Translate "maintenance window" into French.', 'List three checks before draining a node.', 'What is a KV cache?'];

export class DemoTraffic {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly abort = new AbortController();
  sent = 0;
  answered = 0;

  constructor(
    private readonly target: TrafficTarget,
    private readonly opts: TrafficOptions,
  ) {}

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    const r = this.opts.random ?? Math.random;
    // Between half and one and a half of the mean: steady, not a metronome.
    this.timer = setTimeout(() => {
      this.inFlight = this.once().finally(() => {
        this.inFlight = null;
        if (this.timer) this.schedule();
      });
    }, this.opts.everyMs * (0.5 + r()));
    this.timer.unref();
  }

  /** One request; resolves when its answer has been read. */
  async once(): Promise<void> {
    const r = this.opts.random ?? Math.random;
    const routes = this.target.routes;
    if (routes.length === 0) return;
    const route = routes[Math.floor(r() * routes.length)]!;
    const country = route.countries[Math.floor(r() * route.countries.length)] ?? 'DE';
    const stream = r() < 0.25;
    // The runtime "generates" a varying number of tokens, as real answers vary.
    route.fake.state.tokens = 16 + Math.floor(r() * 180);
    this.sent++;
    try {
      const res = await fetch(`${this.target.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${route.key}`, 'x-umamiedge-origin-country': country },
        body: JSON.stringify({
          model: route.model,
          messages: [{ role: 'user', content: PROMPTS[Math.floor(r() * PROMPTS.length)] }],
          max_tokens: 256,
          ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
        }),
        signal: this.abort.signal,
      });
      await res.arrayBuffer();
      if (res.ok) this.answered++;
    } catch (err) {
      if (!this.abort.signal.aborted) this.opts.onError?.(err as Error);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.inFlight?.catch(() => undefined);
  }
}
