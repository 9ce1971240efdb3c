import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { clientMessage, MAX_CALLS_IN_FLIGHT, MAX_FRAME_BYTES, MAX_SUBSCRIPTIONS, type ServerMessage } from '../../src-shared/contract/wire';
import type { Logger } from '../core/log';
import type { CallContext, Router } from '../ipc';

/**
 * The contract over a WebSocket. Each connection keeps its own subscriptions and drops them when
 * it closes. A frame that cannot be read gets an error frame back; the host never throws on input.
 */
export class WsTransport {
  private readonly wss: WebSocketServer;

  constructor(
    private readonly router: Router,
    private readonly call: CallContext,
    private readonly log: Logger,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
    this.wss.on('connection', (ws) => this.onConnection(ws));
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  private onConnection(ws: WebSocket): void {
    const subs = new Map<number, () => void>();
    const load = { inFlight: 0 };
    const send = (m: ServerMessage) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
    };
    ws.on('error', (err) => this.log.warn({ err: err.message }, 'websocket: connection error'));
    ws.on('close', () => {
      for (const off of subs.values()) off();
      subs.clear();
    });
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      void this.onMessage(raw, isBinary, subs, load, send);
    });
  }

  private async onMessage(
    raw: RawData,
    isBinary: boolean,
    subs: Map<number, () => void>,
    load: { inFlight: number },
    send: (m: ServerMessage) => void,
  ): Promise<void> {
    const bad = (message: string) => send({ t: 'error', error: { code: 'VALIDATION', message } });
    if (isBinary) return bad('Binary frames are not part of the protocol; send JSON text.');
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      return bad('The frame is not valid JSON.');
    }
    const parsed = clientMessage.safeParse(json);
    if (!parsed.success) return bad('The frame is not a contract message (expected t: invoke, sub or unsub with an id).');
    const msg = parsed.data;
    try {
      switch (msg.t) {
        case 'invoke': {
          if (load.inFlight >= MAX_CALLS_IN_FLIGHT) {
            const message = `Too many calls in flight on this connection (${MAX_CALLS_IN_FLIGHT}); wait for answers before sending more.`;
            return send({ t: 'result', id: msg.id, envelope: { ok: false, error: { code: 'UNAVAILABLE', message } } });
          }
          load.inFlight++;
          try {
            const envelope = await this.router.invoke(msg.channel, msg.payload, this.call);
            send({ t: 'result', id: msg.id, envelope });
          } finally {
            load.inFlight--;
          }
          return;
        }
        case 'sub': {
          if (subs.has(msg.id)) return send({ t: 'sub-error', id: msg.id, error: { code: 'CONFLICT', message: `Subscription id ${msg.id} is already in use.` } });
          if (subs.size >= MAX_SUBSCRIPTIONS) {
            return send({ t: 'sub-error', id: msg.id, error: { code: 'UNAVAILABLE', message: `Too many subscriptions on this connection (${MAX_SUBSCRIPTIONS}); end some first.` } });
          }
          const r = this.router.subscribe(msg.topic, msg.params, this.call, (event) => send({ t: 'event', id: msg.id, event }));
          if (!r.ok) return send({ t: 'sub-error', id: msg.id, error: r.error });
          subs.set(msg.id, r.data);
          return;
        }
        case 'unsub': {
          subs.get(msg.id)?.();
          subs.delete(msg.id);
          return;
        }
      }
    } catch (err) {
      this.log.error({ err }, 'websocket: unexpected failure handling a frame');
      send({ t: 'error', error: { code: 'INTERNAL', message: 'The host could not handle that frame.' } });
    }
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
