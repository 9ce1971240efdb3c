import type { McBridge } from '../../src-shared/contract/bridge';
import type { Envelope } from '../../src-shared/contract/errors';
import type { ClientMessage, ServerMessage } from '../../src-shared/contract/wire';

export type TransportState = 'connecting' | 'open' | 'closed' | 'unauthorised';

/**
 * The browser host's side of the contract: one WebSocket, calls matched by id, subscriptions
 * restored after a reconnect. While the socket is down, calls wait (up to a timeout) instead of
 * failing at once, so a host restart is a pause, not a wall of errors.
 */
export class WsBridge implements McBridge {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (e: Envelope<unknown>) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly subs = new Map<number, { topic: string; params: unknown; callback: (e: unknown) => void }>();
  private readonly outbox: ClientMessage[] = [];
  private backoffMs = 250;
  private stateListeners = new Set<(s: TransportState, reconnected: boolean) => void>();
  state: TransportState = 'connecting';
  private everOpened = false;

  constructor(private readonly url: string, private readonly callTimeoutMs = 30_000) {
    this.connect();
  }

  onState(listener: (s: TransportState, reconnected: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private setState(s: TransportState, reconnected = false): void {
    this.state = s;
    for (const l of this.stateListeners) l(s, reconnected);
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.backoffMs = 250;
      const reconnected = this.everOpened;
      this.everOpened = true;
      for (const [id, s] of this.subs) this.rawSend({ t: 'sub', id, topic: s.topic, params: s.params });
      for (const m of this.outbox.splice(0)) this.rawSend(m);
      this.setState('open', reconnected);
    };
    ws.onmessage = (ev) => this.onMessage(String(ev.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      void this.afterClose();
    };
  }

  private async afterClose(): Promise<void> {
    // A refused upgrade looks like any other close to a page; ask the host whether the token is the problem.
    try {
      const r = await fetch(location.pathname, { method: 'HEAD', cache: 'no-store' });
      if (r.status === 401) {
        this.setState('unauthorised');
        return;
      }
    } catch {
      // host down: keep retrying below
    }
    this.setState('closed');
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    setTimeout(() => this.connect(), delay);
  }

  private rawSend(m: ClientMessage): void {
    this.ws?.send(JSON.stringify(m));
  }

  private send(m: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.rawSend(m);
    else this.outbox.push(m);
  }

  private onMessage(text: string): void {
    let m: ServerMessage;
    try {
      m = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if (m.t === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return;
      clearTimeout(p.timer);
      this.pending.delete(m.id);
      p.resolve(m.envelope);
    } else if (m.t === 'event') {
      this.subs.get(m.id)?.callback(m.event);
    } else if (m.t === 'sub-error') {
      console.warn(`Mission Control subscription refused: ${m.error.message}`);
    } else if (m.t === 'error') {
      console.warn(`Mission Control host: ${m.error.message}`);
    }
  }

  invoke(channel: string, payload: unknown): Promise<Envelope<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // A call reported as failed must never be sent later, when the socket comes back.
        const queued = this.outbox.findIndex((m) => m.t === 'invoke' && m.id === id);
        if (queued >= 0) this.outbox.splice(queued, 1);
        resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'The Mission Control host did not answer in time. Is it still running?' } });
      }, this.callTimeoutMs);
      this.pending.set(id, { resolve, timer });
      this.send({ t: 'invoke', id, channel, payload });
    });
  }

  /** Subscriptions are not queued: every open (first or after a reconnect) sends the whole set. */
  subscribe(topic: string, callback: (event: unknown) => void, params?: unknown): () => void {
    const id = this.nextId++;
    this.subs.set(id, { topic, params: params ?? {}, callback });
    if (this.ws?.readyState === WebSocket.OPEN) this.rawSend({ t: 'sub', id, topic, params: params ?? {} });
    return () => {
      if (!this.subs.delete(id)) return;
      if (this.ws?.readyState === WebSocket.OPEN) this.rawSend({ t: 'unsub', id });
    };
  }
}
