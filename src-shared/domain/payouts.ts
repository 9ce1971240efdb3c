import type { OwnerEstimate, PeriodInput, RateCard, SiteEstimate } from '../contract/payouts';

/**
 * Site-owner payout estimates, pure: the service gathers per-node figures from records
 * (telemetry rollups, usage events), this turns them into each site's figures and amounts.
 * Definitions (docs/operator-guide.md, "Site-owner reports and payouts"):
 * - GPU-hours served: per node, its GPUs × the minutes its telemetry showed it serving tokens
 *   (tokens/s above 0 in that minute) ÷ 60. A site owner can check it against their own agent's
 *   records, it does not swing with request concurrency or batching (request-seconds would), and
 *   it pays for GPUs at work, not for GPUs merely switched on (availability covers that).
 * - Energy: per node-minute with a power reading, the minute's mean power × 1 minute.
 * - Availability: minutes a node reported any telemetry ÷ minutes it was expected to (from its
 *   registration, or the period start, until the period end, now, or its retirement).
 * - Money in minor units (cents), each site's component rounded once, half up; totals are sums of
 *   rounded amounts, so every export adds up.
 */

export interface NodeFigures {
  gpuModel: string;
  gpuCount: number;
  /** Minutes the node was expected to report in the period. */
  expectedMinutes: number;
  /** Minutes (within the expected window) with any telemetry from the node. */
  upMinutes: number;
  /** Minutes with a tokens/s reading, and of those the ones above 0. */
  rateMinutes: number;
  servingMinutes: number;
  /** Minutes with a power reading, and the energy they add up to (Wh). */
  powerMinutes: number;
  energyWh: number;
}

export interface TokenFigures {
  prompt: number;
  completion: number;
  events: number;
  estimatedEvents: number;
}

export interface SiteFigures {
  siteId: string;
  siteKey: string;
  siteName: string;
  country: string;
  ownerName: string;
  nodes: NodeFigures[];
  tokens: TokenFigures;
  simulated: TokenFigures;
}

export const NO_TOKENS: TokenFigures = { prompt: 0, completion: 0, events: 0, estimatedEvents: 0 };

export const NO_RATE_CARD_NOTE = 'No rate card yet: figures only, nothing priced. An admin saves one under Payouts → Rate card, then the amounts appear.';

/** The longest custom range: a quarter (the rollups of a whole grid for longer get slow to scan). */
export const MAX_RANGE_DAYS = 93;

/** An amount in currency units to cents, half up (1.005 → 101, not the 100 binary floats give). */
export function toCents(amount: number): number {
  if (!Number.isFinite(amount)) throw new RangeError('Amount is not a finite number.');
  const scaled = Number((Math.abs(amount) * 100).toPrecision(12));
  return Math.sign(amount) * Math.round(scaled) || 0;
}

/** "1234.5" cents-wise: 123450 → "1234.50". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The card's rate for a GPU class (its gpu_model, matched without regard to case), else its default. */
export function gpuHourRate(card: Pick<RateCard, 'gpuHourRates' | 'defaultGpuHourRate'>, gpuModel: string): number {
  const key = gpuModel.trim().toLowerCase();
  return card.gpuHourRates.find((r) => r.gpuClass.trim().toLowerCase() === key)?.rate ?? card.defaultGpuHourRate;
}

/** Percentage points below target, each started point counted whole, times the rate, capped. */
export function availabilityCreditPct(availabilityPct: number, targetPct: number, pctPerPoint: number, maxPct: number): number {
  // Rounded first: 99.9 − 99.8 is 0.10000000000000853 in floats, one point, not two.
  const shortfall = Math.round((targetPct - availabilityPct) * 1e6) / 1e6;
  if (shortfall <= 0) return 0;
  return Math.min(maxPct, Math.ceil(shortfall) * pctPerPoint);
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function gpuHoursOf(nodes: readonly NodeFigures[]): number | null {
  if (!nodes.some((n) => n.rateMinutes > 0)) return null;
  return nodes.reduce((s, n) => s + (n.gpuCount * n.servingMinutes) / 60, 0);
}

export function energyKwhOf(nodes: readonly NodeFigures[]): number | null {
  if (!nodes.some((n) => n.powerMinutes > 0)) return null;
  return nodes.reduce((s, n) => s + n.energyWh, 0) / 1000;
}

export function availabilityOf(nodes: readonly NodeFigures[]): { pct: number | null; up: number; expected: number } {
  const expected = nodes.reduce((s, n) => s + n.expectedMinutes, 0);
  const up = nodes.reduce((s, n) => s + Math.min(n.upMinutes, n.expectedMinutes), 0);
  return { pct: expected > 0 ? (up / expected) * 100 : null, up, expected };
}

/** One site's figures and, with a card, its amounts. */
export function estimateSite(site: SiteFigures, card: RateCard | null, includeSimulated: boolean): SiteEstimate {
  const notes: string[] = [];
  const nodeCount = site.nodes.length;
  const gpus = site.nodes.reduce((s, n) => s + n.gpuCount, 0);

  const gpuHours = gpuHoursOf(site.nodes);
  const gpuBasis =
    gpuHours === null
      ? nodeCount === 0
        ? 'No nodes at this site in the period.'
        : 'No tokens/s telemetry from this site’s nodes in the period: GPU-hours unknown.'
      : `Σ GPUs × minutes serving tokens (tokens/s > 0 in telemetry rollups) ÷ 60, over ${plural(nodeCount, 'node')}.`;

  const real = site.tokens;
  const counted: TokenFigures = includeSimulated
    ? {
        prompt: real.prompt + site.simulated.prompt,
        completion: real.completion + site.simulated.completion,
        events: real.events + site.simulated.events,
        estimatedEvents: real.estimatedEvents + site.simulated.estimatedEvents,
      }
    : real;
  const tokens = counted.events > 0 ? counted.prompt + counted.completion : null;
  const tokenBasis =
    tokens === null
      ? 'No usage events on this site’s nodes in the period: tokens unknown.'
      : `Prompt + completion tokens of ${plural(counted.events, 'usage event')} on this site’s nodes${includeSimulated ? ', simulated traffic included' : ''}` +
        (counted.estimatedEvents > 0 ? ` (${counted.estimatedEvents} counted by the gateway, the runtime gave no usage).` : '.');
  const simulated = site.simulated.events > 0 ? site.simulated.prompt + site.simulated.completion : null;

  const energy = energyKwhOf(site.nodes);
  const expected = site.nodes.reduce((s, n) => s + n.expectedMinutes, 0);
  const powerMinutes = site.nodes.reduce((s, n) => s + n.powerMinutes, 0);
  const coveragePct = energy === null || expected === 0 ? null : round(Math.min(100, (powerMinutes / expected) * 100), 2);
  const energyBasis =
    energy === null
      ? 'No power readings from this site’s nodes in the period: energy unknown.'
      : `Σ mean power (W) × 1 min over ${plural(powerMinutes, 'node-minute')} with a power reading (telemetry rollups)${coveragePct !== null && coveragePct < 100 ? `; ${coveragePct} % of the expected node-minutes had one` : ''}.`;

  const avail = availabilityOf(site.nodes);
  const targetPct = card?.uptimeTargetPct ?? null;
  const availBasis =
    avail.pct === null
      ? 'No node expected to report in the period: availability unknown.'
      : `${avail.up} of ${avail.expected} expected node-minutes with telemetry${targetPct !== null ? `, against the ${targetPct} % target of ${card!.slaPolicyName}` : ''}.`;

  const amounts: SiteEstimate['amounts'] = { gpu: null, tokens: null, energy: null, creditPct: null, credit: null, total: null };
  // Without a card nothing is priced: the estimate says so once (NO_RATE_CARD_NOTE), not per site.
  if (card) {
    if (gpuHours !== null) {
      amounts.gpu = toCents(site.nodes.reduce((s, n) => s + ((n.gpuCount * n.servingMinutes) / 60) * gpuHourRate(card, n.gpuModel), 0));
    }
    if (tokens !== null) amounts.tokens = toCents((tokens / 1_000_000) * card.perMillionTokens);
    if (energy !== null) amounts.energy = toCents(energy * card.energyPerKwh);
    if (avail.pct !== null) {
      amounts.creditPct = availabilityCreditPct(avail.pct, card.uptimeTargetPct, card.creditPctPerPoint, card.maxCreditPct);
      const base = (amounts.gpu ?? 0) + (amounts.tokens ?? 0);
      amounts.credit = toCents(((base / 100) * amounts.creditPct) / 100);
    }
    const parts = [amounts.gpu, amounts.tokens, amounts.energy].filter((v): v is number => v !== null);
    amounts.total = parts.length ? parts.reduce((s, v) => s + v, 0) - (amounts.credit ?? 0) : null;
    if (gpuHours === null) notes.push('No GPU-hour amount: this site’s nodes sent no tokens/s telemetry in the period.');
    if (tokens === null) notes.push('No token amount: no usage events on this site’s nodes in the period.');
    if (energy === null) notes.push('No energy pass-through: no power readings in the period.');
    if (avail.pct === null) notes.push('No availability credit computed: no node was expected to report in the period.');
  }
  if (simulated !== null && !includeSimulated) notes.push(`${plural(site.simulated.events, 'simulated usage event')} (${simulated} tokens) left out of the estimate.`);

  return {
    siteId: site.siteId,
    siteKey: site.siteKey,
    siteName: site.siteName,
    country: site.country,
    nodes: nodeCount,
    gpus,
    gpuHours: { value: gpuHours === null ? null : round(gpuHours, 4), basis: gpuBasis },
    tokens: { value: tokens, basis: tokenBasis, events: counted.events, estimatedEvents: counted.estimatedEvents },
    simulatedTokens: {
      value: simulated,
      basis: simulated === null ? 'No simulated traffic on this site’s nodes in the period.' : `Tokens of ${plural(site.simulated.events, 'simulated usage event')} (demo traffic).`,
      events: site.simulated.events,
    },
    energyKwh: { value: energy === null ? null : round(energy, 6), basis: energyBasis, coveragePct },
    availability: { value: avail.pct === null ? null : round(avail.pct, 4), basis: availBasis, upMinutes: avail.up, expectedMinutes: avail.expected, targetPct },
    amounts,
    notes,
  };
}

/** Sites grouped by owner (owners and their sites by name); an owner's total sums its sites' rounded totals. */
export function estimateOwners(sites: readonly SiteFigures[], card: RateCard | null, includeSimulated: boolean): OwnerEstimate[] {
  const byOwner = new Map<string, SiteFigures[]>();
  for (const s of sites) byOwner.set(s.ownerName, [...(byOwner.get(s.ownerName) ?? []), s]);
  return [...byOwner.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ownerName, own]) => {
      const estimates = [...own].sort((a, b) => a.siteName.localeCompare(b.siteName)).map((s) => estimateSite(s, card, includeSimulated));
      const totals = estimates.map((e) => e.amounts.total);
      return {
        ownerName,
        sites: estimates,
        totalCents: card === null || totals.every((t) => t === null) ? null : totals.reduce<number>((s, t) => s + (t ?? 0), 0),
        complete: estimates.every((e) => e.gpuHours.value !== null && e.tokens.value !== null && e.energyKwh.value !== null && e.availability.value !== null),
      };
    });
}

/**
 * The period's bounds in UTC: a calendar month, or a custom range (whole minutes, at most
 * MAX_RANGE_DAYS). A period not over yet is `partial`: its figures run to now. Throws a sentence
 * an operator can act on.
 */
export function periodBounds(period: PeriodInput, now: Date): { from: string; to: string; label: string; partial: boolean } {
  let from: Date;
  let to: Date;
  let label: string;
  if (period.kind === 'month') {
    const [y, m] = period.month.split('-').map(Number) as [number, number];
    from = new Date(Date.UTC(y, m - 1, 1));
    to = new Date(Date.UTC(y, m, 1));
    label = `${from.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })} ${y} (UTC)`;
  } else {
    from = new Date(period.from);
    to = new Date(period.to);
    if (from.getTime() % 60_000 !== 0 || to.getTime() % 60_000 !== 0) throw new PeriodError('A custom range starts and ends on whole minutes.');
    if (to <= from) throw new PeriodError('The range must end after it starts.');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw new PeriodError(`A custom range is at most ${MAX_RANGE_DAYS} days; report longer spans month by month.`);
    label = `${from.toISOString().slice(0, 16).replace('T', ' ')} – ${to.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
  if (from.getTime() > now.getTime()) throw new PeriodError('The period starts after now: nothing has been served in it yet.');
  return { from: from.toISOString(), to: to.toISOString(), label, partial: to.getTime() > now.getTime() };
}

export class PeriodError extends Error {}

/** "2026-11": the month before the one `now` is in, the usual payout period. */
export function previousMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}
