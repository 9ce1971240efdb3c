import type { Response } from '../../src-shared/contract';
import type { Router } from '../ipc';
import type { Logger } from './log';

export const ANCHOR_INTERVAL_MS = 10 * 60_000;

/**
 * Every 10 minutes while a session is open, run the same anchored verify as the "Verify chain"
 * button: the database's tree is checked against this workstation's latest checkpoint and, when
 * it grew, a new checkpoint is signed. The gaps between checkpoints are what a rewrite can hide
 * in, so they are kept short even when nobody presses the button. Not connected / signed out is
 * not news (the call is refused and skipped); tampering is logged as a warning (never a secret:
 * the message names sizes, roots and times).
 */
export class AnchorJob {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly router: Router,
    private readonly log: Logger,
    private readonly intervalMs = ANCHOR_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async tick(): Promise<Response<'audit.verify'> | null> {
    if (this.running) return null;
    this.running = true;
    try {
      const r = await this.router.invoke('audit.verify', {}, { readOnly: true, via: 'anchor-schedule', background: true });
      if (!r.ok) return null;
      const v = r.data as Response<'audit.verify'>;
      if (v.anchor.state === 'tampered' || v.anchor.state === 'store_error' || !v.ok) {
        this.log.warn({ anchor: v.anchor.state, chainOk: v.ok, message: v.anchor.message }, 'audit chain: scheduled anchored verify found a problem');
      }
      return v;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'audit chain: scheduled anchored verify failed');
      return null;
    } finally {
      this.running = false;
    }
  }
}
