import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import {
  CLOSE_UNREAD,
  clientMessage,
  MAX_CALLS_IN_FLIGHT,
  MAX_FRAME_BYTES,
  MAX_SUBSCRIPTIONS,
  MAX_UNREAD_BYTES,
  PAUSE_READING_AT_UNREAD_BYTES,
  type ServerMessage,
} from '../../src-shared/contract/wire';
import type { Logger } from '../core/log';
import type { CallContext, Router } from '../ipc';

/** Sends a message; `flushed` runs once it has left the process (or the connection is gone). */
type Send = (m: ServerMessage, flushed?: () => void) => void;

export interface UnreadLimits {
  pauseReadingAt: number;
  closeAt: number;
  /** How long a connection closed for not reading gets to take its close frame before it is cut. */
  closeGraceMs: number;
}

export interface TransportStats {
  clients: number;
  /** Clients whose frames are not being read until they catch up. */
  paused: number;
  /** Clients being closed for not reading (CLOSE_UNREAD sent, not yet gone). */
  closing: number;
  /** Bytes written for clients and not yet taken by them, all connections together. */
  unreadBytes: number;
}

/**
 * The contract over a WebSocket. Each connection keeps its own subscriptions and drops them when
 * it closes. A frame that cannot be read gets an error frame back; the host never throws on input.
 *
 * Memory per connection is bounded by what its client reads, not by what it sends: a call keeps its
 * in-flight slot until its answer has been written out, the host stops reading a client's frames
 * while more than PAUSE_READING_AT_UNREAD_BYTES wait for it (TCP then pushes back on the client),
 * and a client that lets more than MAX_UNREAD_BYTES pile up (subscription events keep coming) is
 * closed with CLOSE_UNREAD.
 */
export class WsTransport {
  private readonly wss: WebSocketServer;
  private readonly pausedSockets = new Set<WebSocket>();
  private readonly closingSockets = new Set<WebSocket>();

  constructor(
    private readonly router: Router,
    private readonly call: CallContext,
    private readonly log: Logger,
    private readonly limits: UnreadLimits = { pauseReadingAt: PAUSE_READING_AT_UNREAD_BYTES, closeAt: MAX_UNREAD_BYTES, closeGraceMs: 1000 },
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
    this.wss.on('connection', (ws) => this.onConnection(ws));
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  stats(): TransportStats {
    let unreadBytes = 0;
    for (const c of this.wss.clients) unreadBytes += c.bufferedAmount;
    return { clients: this.wss.clients.size, paused: this.pausedSockets.size, closing: this.closingSockets.size, unreadBytes };
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  private onConnection(ws: WebSocket): void {
    const subs = new Map<number, () => void>();
    const load = { inFlight: 0 };
    const { pauseReadingAt, closeAt, closeGraceMs } = this.limits;
    const catchUp = () => {
      if (this.pausedSockets.has(ws) && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < pauseReadingAt / 2) {
        this.pausedSockets.delete(ws);
        ws.resume();
      }
    };
    const send: Send = (m, flushed) => {
      if (ws.readyState !== WebSocket.OPEN) return flushed?.();
      ws.send(JSON.stringify(m), () => {
        flushed?.();
        catchUp();
      });
      const unread = ws.bufferedAmount;
      if (unread > closeAt && !this.closingSockets.has(ws)) {
        this.closingSockets.add(ws);
        this.log.warn({ unreadBytes: unread, limit: closeAt }, 'websocket: client stopped reading; closing it');
        ws.close(CLOSE_UNREAD, 'Too much unread: this client stopped reading its answers and events.');
        // A client that does not read will not read the close frame either; free what it holds.
        setTimeout(() => ws.terminate(), closeGraceMs).unref();
      } else if (unread > pauseReadingAt && !this.pausedSockets.has(ws)) {
        this.pausedSockets.add(ws);
        ws.pause();
      }
    };
    ws.on('error', (err) => this.log.warn({ err: err.message }, 'websocket: connection error'));
    ws.on('close', () => {
      this.pausedSockets.delete(ws);
      this.closingSockets.delete(ws);
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
    send: Send,
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
          let envelope: Extract<ServerMessage, { t: 'result' }>['envelope'];
          try {
            envelope = await this.router.invoke(msg.channel, msg.payload, this.call);
          } catch (err) {
            load.inFlight--;
            throw err;
          }
          // The slot is freed when the answer has left the process, not when it is queued.
          send({ t: 'result', id: msg.id, envelope }, () => load.inFlight--);
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
