import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { Reconciliation } from '../../src-shared/contract/usage';
import { dayPeriodProblem } from '../../src-shared/domain/usage';
import { call, errorText } from '../bridge/client';

export type UsageSummary = Response<'usage.summary'>;
export type ReconDetail = Response<'usage.reconciliation'>;

/** The period as the view's inputs hold it: UTC days, "to" inclusive. Empty: the default (this month so far). */
export interface PeriodInput {
  fromDay: string;
  toDay: string;
}

interface UsageState {
  period: PeriodInput;
  includeSimulated: boolean;
  summary: UsageSummary | null;
  summaryError: string | null;
  records: Reconciliation[] | null;
  detail: ReconDetail | null;
  detailError: string | null;
  reconciling: boolean;
  setPeriod(p: PeriodInput): void;
  setIncludeSimulated(v: boolean): void;
  loadSummary(): Promise<void>;
  loadRecords(): Promise<void>;
  loadDetail(id: string): Promise<void>;
  /** Reconcile today so far (UTC) and show the new record. */
  reconcileToday(): Promise<ReconDetail>;
  clear(): void;
}

const DAY = 86_400_000;
/** The request's from/to for the inputs: a day's start, and the start of the day after "to" (or now). */
export function periodRequest(p: PeriodInput): { from?: string; to?: string } {
  const out: { from?: string; to?: string } = {};
  if (p.fromDay) out.from = new Date(`${p.fromDay}T00:00:00.000Z`).toISOString();
  if (p.toDay) out.to = new Date(Math.min(Date.parse(`${p.toDay}T00:00:00.000Z`) + DAY, Date.now())).toISOString();
  return out;
}

export const useUsage = create<UsageState>((set, get) => ({
  period: { fromDay: '', toDay: '' },
  includeSimulated: true,
  summary: null,
  summaryError: null,
  records: null,
  detail: null,
  detailError: null,
  reconciling: false,
  setPeriod(period) {
    // A period the inputs already show is wrong is not asked for; the last period's figures go, so
    // nothing on screen reads as the answer for the one just typed.
    const problem = dayPeriodProblem(period.fromDay, period.toDay, new Date());
    if (problem) return set({ period, summary: null, summaryError: problem });
    set({ period });
    void get().loadSummary();
  },
  setIncludeSimulated(includeSimulated) {
    set({ includeSimulated });
    void get().loadSummary();
  },
  async loadSummary() {
    const { period, includeSimulated } = get();
    try {
      set({ summary: await call('usage.summary', { ...periodRequest(period), includeSimulated }), summaryError: null });
    } catch (err) {
      // Figures of another period (or from before a failure) beside this error would read as its answer.
      set({ summary: null, summaryError: errorText(err) });
    }
  },
  async loadRecords() {
    try {
      set({ records: (await call('usage.reconciliations', { limit: 30 })).reconciliations });
    } catch (err) {
      set({ detailError: errorText(err) });
    }
  },
  async loadDetail(id) {
    try {
      set({ detail: await call('usage.reconciliation', { id }), detailError: null });
    } catch (err) {
      set({ detail: null, detailError: errorText(err) });
    }
  },
  async reconcileToday() {
    set({ reconciling: true });
    try {
      const r = await call('usage.reconcile', {});
      set({ detail: r, detailError: null });
      void get().loadRecords();
      return r;
    } finally {
      set({ reconciling: false });
    }
  },
  clear() {
    set({ summary: null, summaryError: null, records: null, detail: null, detailError: null });
  },
}));
