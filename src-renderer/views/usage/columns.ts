import { TIER_LABELS } from '../../../src-shared/contract/sla';
import type { ReconWindow } from '../../../src-shared/contract/usage';
import type { UsageSummary } from '../../stores/usage-store';
import type { Column } from './UsageTable';

type Customer = UsageSummary['customers'][number];
type Corridor = UsageSummary['corridors'][number];
type Model = UsageSummary['models'][number];
type Day = UsageSummary['days'][number];

const n = (v: number) => String(v);
/** An average on screen: cents of a token are noise past 100 and cut the figure in a laptop's column (the CSV keeps two decimals). */
const avg = (v: number) => (v >= 100 ? String(Math.round(v)) : String(v));
const tierLabel = (t: string) => (t in TIER_LABELS ? TIER_LABELS[t as keyof typeof TIER_LABELS] : t);
const metered = <R extends { requests: number; promptTokens: number; completionTokens: number; totalTokens: number; simulated: number; estimated: number }>(): Column<R>[] => [
  { label: 'Requests', short: 'Req', width: '0.8fr', num: true, text: (r) => n(r.requests) },
  { label: 'Prompt tokens', short: 'Prompt tok', width: '1fr', num: true, text: (r) => n(r.promptTokens) },
  { label: 'Completion tokens', short: 'Compl. tok', width: '1fr', num: true, text: (r) => n(r.completionTokens) },
  { label: 'Total tokens', short: 'Total tok', width: '1fr', num: true, text: (r) => n(r.totalTokens) },
  { label: 'Simulated', short: 'Sim', width: '0.8fr', num: true, text: (r) => n(r.simulated) },
  { label: 'Estimated', short: 'Est', width: '0.8fr', num: true, text: (r) => n(r.estimated) },
];

/** A peak above what the customer committed to is worth a look (the limits may be too generous, or the commitment too small). */
const over = (peak: number, committed: number) => (committed > 0 && peak > committed ? 'err' : undefined);

/** An average's basis: the minutes of the period the customer existed, up to now. */
const avgHint = (r: Customer) =>
  r.avgOverMinutes === 0
    ? 'The customer was added after this period: no minute to average over.'
    : `Averaged over ${r.avgOverMinutes.toLocaleString('en-US')} min: the period's minutes since the customer was added (or its first request), up to now, idle ones included.`;

export const CUSTOMER_COLUMNS: Column<Customer>[] = [
  // Wide enough to tell customers apart whose names share a start ("Demo traffic EU", "Demo traffic APAC") at 1280 px.
  { label: 'Customer', width: '2.8fr', text: (r) => r.name },
  // On screen as Customers and SLA name it; the CSV keeps the stored value.
  { label: 'Tier', width: '1.3fr', text: (r) => r.tier, cell: (r) => tierLabel(r.tier) },
  ...metered<Customer>(),
  { label: 'Refused', width: '0.85fr', num: true, text: (r) => n(r.refused) },
  { label: 'Committed req/min', short: 'Commit req/min', width: '1fr', num: true, text: (r) => n(r.committedRequestsPerMin) },
  { label: 'Peak req/min', width: '0.9fr', num: true, text: (r) => n(r.peakRequestsPerMin), tone: (r) => over(r.peakRequestsPerMin, r.committedRequestsPerMin) },
  { label: 'Avg req/min', width: '0.9fr', num: true, text: (r) => n(r.avgRequestsPerMin), cell: (r) => avg(r.avgRequestsPerMin), hint: avgHint },
  { label: 'Committed tok/min', short: 'Commit tok/min', width: '1fr', num: true, text: (r) => n(r.committedTokensPerMin) },
  { label: 'Peak tok/min', width: '0.9fr', num: true, text: (r) => n(r.peakTokensPerMin), tone: (r) => over(r.peakTokensPerMin, r.committedTokensPerMin) },
  { label: 'Avg tok/min', width: '0.9fr', num: true, text: (r) => n(r.avgTokensPerMin), cell: (r) => avg(r.avgTokensPerMin), hint: avgHint },
];

export const CORRIDOR_COLUMNS: Column<Corridor>[] = [{ label: 'Corridor', width: '1.6fr', text: (r) => r.name }, ...metered<Corridor>()];
export const MODEL_COLUMNS: Column<Model>[] = [{ label: 'Model', width: '2fr', text: (r) => r.model }, ...metered<Model>()];
export const DAY_COLUMNS: Column<Day>[] = [{ label: 'Day (UTC)', width: '1fr', text: (r) => r.day }, ...metered<Day>()];

export const WINDOW_STATUS_LABELS: Record<ReconWindow['status'], string> = { idle: 'idle', clean: 'matches', explained: 'explained', discrepancy: 'discrepancy' };
const toneOf = (s: ReconWindow['status']) => (s === 'discrepancy' ? 'err' : s === 'explained' ? 'warn-text' : undefined);
const opt = (v: number | null) => (v === null ? '' : n(v));

export const WINDOW_COLUMNS: Column<ReconWindow>[] = [
  { label: 'Hour from (UTC)', width: '1.3fr', text: (w) => w.from.slice(0, 16).replace('T', ' ') },
  { label: 'Status', width: '0.9fr', text: (w) => WINDOW_STATUS_LABELS[w.status], tone: (w) => toneOf(w.status) },
  { label: 'Served (log)', width: '0.8fr', num: true, text: (w) => n(w.servedRequests) },
  { label: 'Usage events', width: '0.8fr', num: true, text: (w) => n(w.usageEvents) },
  { label: 'Matched', width: '0.7fr', num: true, text: (w) => n(w.matched) },
  { label: 'Log tokens', width: '0.9fr', num: true, text: (w) => n(w.logTokens) },
  { label: 'Metered tokens', width: '0.9fr', num: true, text: (w) => n(w.meteredTokens) },
  { label: 'Runtime counters', width: '0.9fr', num: true, text: (w) => opt(w.counterTokens) },
  { label: 'Metered (same probes)', width: '1fr', num: true, text: (w) => opt(w.counterMeteredTokens) },
  { label: 'Simulated', width: '0.7fr', num: true, text: (w) => n(w.simulated) },
  { label: 'Findings', width: '0.7fr', num: true, text: (w) => n(w.findings.length), tone: (w) => toneOf(w.status) },
];
