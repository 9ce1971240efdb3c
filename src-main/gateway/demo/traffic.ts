/**
 * A trickle of demo customer traffic through the demo gateway: one request every few seconds, from
 * the countries of the corridors that have a demo runtime, each with the key of the demo customer
 * homed in that corridor, mostly plain chat, some streamed with
 * usage, some to the Ollama model. It goes through the gateway's public endpoint with the demo
 * customer's key, so key check, limits, routing, metering and reconciliation all run for real.
 * A refused key is handled as a well-behaved client would: switch to the current one, or stop.
 */
import type { FakeRuntime } from '../../runtimes/fake';

export interface TrafficRoute {
  model: string;
  /** The corridor whose demo customer sends it. */
  corridor: string;
  /** Countries a request for it comes from. */
  countries: string[];
  fake: FakeRuntime;
  /** The key of the demo customer homed there (replaced when it is refused and a current one is found). */
  key: string;
}

export interface TrafficTarget {
  gatewayUrl: string;
  /** Per runtime: its model, the countries a request for it comes from, and the key of the demo customer homed there. */
  routes: TrafficRoute[];
}

export interface TrafficOptions {
  /** Mean pause between two requests. */
  everyMs: number;
  random?: () => number;
  onError?: (err: Error) => void;
  /**
   * After the gateway refused a route's key (401: revoked, rotated out, expired): the customer's
   * current key, or null when there is none to send. Without it a refused key is sent again.
   */
  renewKey?: (route: TrafficRoute, refused: string) => Promise<string | null>;
  /** A corridor's customer stopped sending (its key was refused and no current one was found); told once. */
  onStopped?: (corridor: string) => void;
}

const PROMPTS = ['Summarise the corridor status for the night shift.', 'Translate "maintenance window" into French.', 'List three checks before draining a node.', 'What is a KV cache?'];

export class DemoTraffic {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly abort = new AbortController();
  sent = 0;
  answered = 0;
  /** Requests the gateway refused for their key (401). */
  refused = 0;
  /** Corridors whose customer stopped sending: its key was refused and it has no current one. */
  readonly stopped = new Set<string>();

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
    // A customer with no key to send sends nothing, as a client whose key was taken away.
    const routes = this.target.routes.filter((x) => !this.stopped.has(x.corridor));
    if (routes.length === 0) return;
    const route = routes[Math.floor(r() * routes.length)]!;
    const country = route.countries[Math.floor(r() * route.countries.length)] ?? 'DE';
    const stream = r() < 0.25;
    // The runtime "generates" a varying number of tokens, as real answers vary.
    route.fake.state.tokens = 16 + Math.floor(r() * 180);
    this.sent++;
    const key = route.key;
    try {
      const res = await fetch(`${this.target.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-umamiedge-origin-country': country },
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
      if (res.status === 401) {
        this.refused++;
        await this.renew(route, key);
      }
    } catch (err) {
      if (!this.abort.signal.aborted) this.opts.onError?.(err as Error);
    }
  }

  /**
   * The refused key's customer switches to its current key (every route of that corridor: they
   * share the customer), or stops sending and says so once. The refusals already made stay
   * recorded by the gateway as they were.
   */
  private async renew(route: TrafficRoute, refused: string): Promise<void> {
    const { renewKey } = this.opts;
    // Another request of this customer switched or stopped it already.
    if (!renewKey || route.key !== refused || this.stopped.has(route.corridor)) return;
    const next = await renewKey(route, refused);
    if (this.abort.signal.aborted) return;
    if (next && next !== refused) {
      for (const x of this.target.routes) if (x.corridor === route.corridor) x.key = next;
      return;
    }
    this.stopped.add(route.corridor);
    this.opts.onStopped?.(route.corridor);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.inFlight?.catch(() => undefined);
  }
}
