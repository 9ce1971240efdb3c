import { evaluateFlag, type FlagContext, type FlagSetting, type FlagValue } from '../../../src-shared/domain/change';

/**
 * A process's view of the flags (the gateway's, the app's): loaded through whatever `load` it is
 * given, refreshed every `refreshMs` (and at once on `refresh()`, e.g. on a flags.changed
 * notification). When a load fails, or the last good load is older than `maxAgeMs`, every flag
 * answers its safe default: a kill switch that cannot be read fails safe, never stale-open.
 */
export interface FlagReaderOptions {
  load: () => Promise<FlagSetting[]>;
  refreshMs?: number;
  maxAgeMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export class FlagReader {
  private settings: FlagSetting[] | null = null;
  private loadedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: FlagReaderOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): this {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs ?? 2_000);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  refresh(): Promise<void> {
    this.inflight ??= this.opts
      .load()
      .then(
        (s) => {
          this.settings = s;
          this.loadedAt = this.now();
        },
        (err: unknown) => {
          this.settings = null;
          this.opts.onError?.(err);
        },
      )
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** How readable the flags are now: null means every flag gives its safe default. */
  private current(): FlagSetting[] | null {
    if (this.settings === null) return null;
    if (this.now() - this.loadedAt > (this.opts.maxAgeMs ?? 30_000)) return null;
    return this.settings;
  }

  evaluate(key: string, ctx: FlagContext, safeDefault: boolean): FlagValue {
    return evaluateFlag(this.current(), key, ctx, safeDefault);
  }

  isEnabled(key: string, ctx: FlagContext, safeDefault: boolean): boolean {
    return this.evaluate(key, ctx, safeDefault).enabled;
  }
}
