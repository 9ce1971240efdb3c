import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { PayoutEstimate, PeriodInput, RateCard } from '../../src-shared/contract/payouts';
import { call, errorText } from '../bridge/client';

type Cards = Response<'payouts.rateCards'>;

/** The month `now` is in, "2026-12": the default period (figures so far; the report says the month is not over). */
export function thisMonth(now = new Date()): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

interface PayoutsState {
  period: PeriodInput;
  /** Null: the newest version. */
  rateCardVersion: number | null;
  includeSimulated: boolean;
  estimate: PayoutEstimate | null;
  cards: Cards | null;
  error: string | null;
  loading: boolean;
  setPeriod(p: PeriodInput): void;
  setVersion(v: number | null): void;
  setIncludeSimulated(v: boolean): void;
  load(): Promise<void>;
  loadCards(): Promise<void>;
  /** A new version was saved: price with it (the newest) and list it. */
  saved(card: RateCard): void;
  clear(): void;
}

let seq = 0;

export const usePayouts = create<PayoutsState>((set, get) => ({
  period: { kind: 'month', month: thisMonth() },
  rateCardVersion: null,
  includeSimulated: false,
  estimate: null,
  cards: null,
  error: null,
  loading: false,
  setPeriod(period) {
    set({ period });
    void get().load();
  },
  setVersion(rateCardVersion) {
    set({ rateCardVersion });
    void get().load();
  },
  setIncludeSimulated(includeSimulated) {
    set({ includeSimulated });
    void get().load();
  },
  async load() {
    // Only the newest answer is shown: a slow month must not overwrite the range asked after it.
    const mine = ++seq;
    const { period, rateCardVersion, includeSimulated } = get();
    set({ loading: true });
    try {
      const r = await call('payouts.estimate', { period, includeSimulated, ...(rateCardVersion === null ? {} : { rateCardVersion }) });
      if (mine === seq) set({ estimate: r.estimate, error: null, loading: false });
    } catch (err) {
      if (mine === seq) set({ estimate: null, error: errorText(err), loading: false });
    }
  },
  async loadCards() {
    try {
      set({ cards: await call('payouts.rateCards', {}) });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  saved() {
    set({ rateCardVersion: null });
    void get().loadCards();
    void get().load();
  },
  clear() {
    seq++;
    set({ estimate: null, cards: null, error: null, loading: false, rateCardVersion: null });
  },
}));
