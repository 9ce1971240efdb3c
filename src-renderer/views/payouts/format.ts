import { formatCents } from '../../../src-shared/domain/payouts';

/** Figures on screen: grouped digits, a fixed number of decimals, "no data" kept apart from 0. */
export const fmt = (v: number | null, digits = 0): string =>
  v === null ? 'no data' : v.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const money = (cents: number | null, currency: string | undefined): string => (cents === null || !currency ? '—' : `${formatCents(cents)} ${currency}`);
