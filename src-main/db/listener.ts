import { EventEmitter } from 'node:events';
import pg, { type ClientConfig } from 'pg';
import type { Logger } from '../core/log';

export interface DbNotification {
  topic: string;
  orgId: string;
  id: string;
}

export const NOTIFY_CHANNEL = 'mc_events';

/**
 * One dedicated connection LISTENing on mc_events. If it drops, it reconnects with backoff and
 * emits 'resync': notifications sent while it was away are lost, so every view must reload.
 * Events: 'notification' (DbNotification), 'live' (boolean), 'resync'.
 */
export class NotifyListener extends EventEmitter {
  private client: pg.Client | null = null;
  private stopped = false;
  private backoffMs = 250;
  private timer: NodeJS.Timeout | null = null;
  private everConnected = false;
  live = false;

  constructor(
    private config: ClientConfig,
    private readonly log: Logger,
  ) {
    super();
  }

  /** After the login's password was rotated: the next reconnect uses the new one (the open connection stays). */
  setPassword(password: string): void {
    this.config = { ...this.config, password };
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    this.emit('live', live);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'live updates: listener connection error');
    });
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = null;
      this.setLive(false);
      this.schedule();
    });
    client.on('notification', (msg) => {
      if (msg.channel !== NOTIFY_CHANNEL || !msg.payload) return;
      try {
        const p = JSON.parse(msg.payload) as { topic?: unknown; org_id?: unknown; id?: unknown };
        if (typeof p.topic === 'string' && typeof p.org_id === 'string' && typeof p.id === 'string') {
          this.emit('notification', { topic: p.topic, orgId: p.org_id, id: p.id } satisfies DbNotification);
        }
      } catch {
        this.log.warn('live updates: ignored a malformed notification');
      }
    });
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = 250;
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.setLive(true);
    if (reconnected) this.emit('resync');
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 5000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().catch((err: Error) => {
        this.log.warn({ err: err.message, retryInMs: this.backoffMs }, 'live updates: reconnect failed');
        this.schedule();
      });
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    this.setLive(false);
    if (c) await c.end().catch(() => undefined);
  }
}
