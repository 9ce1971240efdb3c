import { describe, expect, it } from 'vitest';
import type { PayoutEstimate, RateCard } from '../contract/payouts';
import { payoutEstimateSchema, rateCardInputSchema } from '../contract/payouts';
import {
  availabilityCreditPct,
  estimateOwners,
  estimateSite,
  formatCents,
  gpuHourRate,
  NO_RATE_CARD_NOTE,
  NO_TOKENS,
  type NodeFigures,
  periodBounds,
  PeriodError,
  type SiteFigures,
  toCents,
} from './payouts';
import { PAYOUT_CSV_COLUMNS, payoutsCsv, payoutsFileName, payoutsReportHtml } from './payouts-export';

const CARD: RateCard = {
  version: 3,
  currency: 'EUR',
  gpuHourRates: [{ gpuClass: 'H100 80GB', rate: 2.5 }],
  defaultGpuHourRate: 1,
  perMillionTokens: 0.4,
  energyPerKwh: 0.2,
  slaPolicyId: '00000000-0000-4000-8000-000000000001',
  slaPolicyName: 'Enterprise',
  uptimeTargetPct: 99.9,
  creditPctPerPoint: 5,
  maxCreditPct: 20,
  note: '',
  createdAt: '2026-11-01T00:00:00.000Z',
  createdBy: 'Ada Admin',
};

const node = (over: Partial<NodeFigures> = {}): NodeFigures => ({
  gpuModel: 'H100 80GB',
  gpuCount: 8,
  expectedMinutes: 1000,
  upMinutes: 1000,
  rateMinutes: 1000,
  servingMinutes: 600,
  powerMinutes: 1000,
  energyWh: 60_000,
  ...over,
});

const site = (over: Partial<SiteFigures> = {}): SiteFigures => ({
  siteId: '00000000-0000-4000-8000-0000000000a1',
  siteKey: 'fra-01',
  siteName: 'FRA-01',
  country: 'DE',
  ownerName: 'Equinix',
  nodes: [node()],
  tokens: { prompt: 1_000_000, completion: 1_500_000, events: 10, estimatedEvents: 0 },
  simulated: NO_TOKENS,
  ...over,
});

describe('money', () => {
  it('rounds half up to cents, also where binary floats fall short', () => {
    expect(toCents(1.005)).toBe(101);
    expect(toCents(0.125)).toBe(13);
    expect(toCents(2.675)).toBe(268);
    expect(toCents(0.004)).toBe(0);
    expect(toCents(-1.005)).toBe(-101);
    expect(toCents(0)).toBe(0);
    expect(() => toCents(Number.NaN)).toThrow(RangeError);
  });
  it('formats cents', () => {
    expect(formatCents(123450)).toBe('1234.50');
    expect(formatCents(7)).toBe('0.07');
    expect(formatCents(-250)).toBe('-2.50');
  });
});

describe('components', () => {
  it('prices GPU-hours by class, case-insensitively, else at the default rate', () => {
    expect(gpuHourRate(CARD, 'h100 80gb')).toBe(2.5);
    expect(gpuHourRate(CARD, 'L40S')).toBe(1);
    // 8 GPUs × 600 min ÷ 60 = 80 GPU-hours × 2.5 = 200.00; plus 2 L40S × 90 min = 3 h × 1 = 3.00
    const e = estimateSite(site({ nodes: [node(), node({ gpuModel: 'L40S', gpuCount: 2, servingMinutes: 90 })] }), CARD, false);
    expect(e.gpuHours.value).toBe(83);
    expect(e.amounts.gpu).toBe(20_300);
    expect(e.gpus).toBe(10);
  });
  it('prices tokens per million and energy per kWh, rounded once per site', () => {
    const e = estimateSite(site(), CARD, false);
    expect(e.tokens.value).toBe(2_500_000);
    expect(e.amounts.tokens).toBe(100); // 2.5 M × 0.40
    expect(e.energyKwh.value).toBe(60);
    expect(e.amounts.energy).toBe(1200); // 60 kWh × 0.20
    expect(e.amounts.total).toBe(20_000 + 100 + 1200);
    expect(e.energyKwh.coveragePct).toBe(100);
  });
  it('rounds a sub-cent token amount half up', () => {
    // 12,500 tokens × 0.4 / M = 0.005 → 0.01
    const e = estimateSite(site({ tokens: { prompt: 12_500, completion: 0, events: 1, estimatedEvents: 0 } }), CARD, false);
    expect(e.amounts.tokens).toBe(1);
  });
});

describe('availability credit', () => {
  it('is nothing at or above target', () => {
    expect(availabilityCreditPct(99.9, 99.9, 5, 20)).toBe(0);
    expect(availabilityCreditPct(100, 99.9, 5, 20)).toBe(0);
  });
  it('counts each started point below target whole, and caps', () => {
    expect(availabilityCreditPct(99.8, 99.9, 5, 20)).toBe(5);
    expect(availabilityCreditPct(98.9, 99.9, 5, 20)).toBe(5);
    expect(availabilityCreditPct(98.8, 99.9, 5, 20)).toBe(10);
    expect(availabilityCreditPct(50, 99.9, 5, 20)).toBe(20);
  });
  it('credits a share of the GPU and token amounts, never of the energy pass-through', () => {
    // 990 of 1000 minutes = 99 %: 0.9 points short → one point → 5 %.
    const e = estimateSite(site({ nodes: [node({ upMinutes: 990 })] }), CARD, false);
    expect(e.availability.value).toBe(99);
    expect(e.availability.targetPct).toBe(99.9);
    expect(e.amounts.creditPct).toBe(5);
    expect(e.amounts.credit).toBe(toCents((200 + 1) * 0.05));
    expect(e.amounts.total).toBe(20_000 + 100 + 1200 - 1005);
  });
  it('never counts more up-minutes than were expected', () => {
    const e = estimateSite(site({ nodes: [node({ upMinutes: 1200 })] }), CARD, false);
    expect(e.availability.value).toBe(100);
    expect(e.amounts.credit).toBe(0);
  });
});

describe('no data', () => {
  it('says so instead of showing 0, and leaves that amount out', () => {
    const e = estimateSite(site({ nodes: [node({ rateMinutes: 0, servingMinutes: 0, powerMinutes: 0, energyWh: 0 })], tokens: NO_TOKENS }), CARD, false);
    expect(e.gpuHours.value).toBeNull();
    expect(e.gpuHours.basis).toMatch(/No tokens\/s telemetry/);
    expect(e.tokens.value).toBeNull();
    expect(e.energyKwh.value).toBeNull();
    expect(e.energyKwh.basis).toMatch(/No power readings/);
    expect(e.amounts).toMatchObject({ gpu: null, tokens: null, energy: null, total: null });
    expect(e.notes.join(' ')).toMatch(/No GPU-hour amount/);
  });
  it('has no availability for a site without nodes', () => {
    const e = estimateSite(site({ nodes: [], tokens: NO_TOKENS }), CARD, false);
    expect(e.availability.value).toBeNull();
    expect(e.amounts.creditPct).toBeNull();
    expect(e.gpuHours.basis).toMatch(/No nodes/);
  });
  it('counts a node that sent telemetry but served nothing as 0 GPU-hours, a measured zero', () => {
    const e = estimateSite(site({ nodes: [node({ servingMinutes: 0 })] }), CARD, false);
    expect(e.gpuHours.value).toBe(0);
    expect(e.amounts.gpu).toBe(0);
  });
  it('shows figures but no amounts without a rate card', () => {
    const e = estimateSite(site(), null, false);
    expect(e.gpuHours.value).toBe(80);
    expect(e.amounts.total).toBeNull();
    expect(e.availability.targetPct).toBeNull();
    expect(e.notes).toEqual([]);
    expect(estimateOwners([site()], null, false)[0]!.totalCents).toBeNull();
  });
});

describe('simulated traffic', () => {
  const sim = site({ simulated: { prompt: 400_000, completion: 600_000, events: 4, estimatedEvents: 0 } });
  it('is shown apart and left out by default', () => {
    const e = estimateSite(sim, CARD, false);
    expect(e.tokens.value).toBe(2_500_000);
    expect(e.simulatedTokens.value).toBe(1_000_000);
    expect(e.amounts.tokens).toBe(100);
    expect(e.notes.join(' ')).toMatch(/4 simulated usage events \(1000000 tokens\) left out/);
  });
  it('is priced only when asked', () => {
    const e = estimateSite(sim, CARD, true);
    expect(e.tokens.value).toBe(3_500_000);
    expect(e.amounts.tokens).toBe(140);
    expect(e.tokens.basis).toMatch(/simulated traffic included/);
  });
});

describe('owners', () => {
  it('groups sites by owner and sums their rounded totals', () => {
    const owners = estimateOwners(
      [
        site({ siteId: '00000000-0000-4000-8000-0000000000b2', siteKey: 'par-01', siteName: 'PAR-01' }),
        site(),
        site({ siteId: '00000000-0000-4000-8000-0000000000c3', siteKey: 'lag-01', siteName: 'LAG-01', ownerName: 'Africa Edge', nodes: [] , tokens: NO_TOKENS }),
      ],
      CARD,
      false,
    );
    expect(owners.map((o) => o.ownerName)).toEqual(['Africa Edge', 'Equinix']);
    expect(owners[1]!.sites.map((s) => s.siteKey)).toEqual(['fra-01', 'par-01']);
    expect(owners[1]!.totalCents).toBe(2 * 21_300);
    expect(owners[1]!.complete).toBe(true);
    expect(owners[0]!.totalCents).toBeNull();
    expect(owners[0]!.complete).toBe(false);
  });
});

describe('period', () => {
  const now = new Date('2026-12-06T20:00:00Z');
  it('is a calendar month in UTC by default', () => {
    expect(periodBounds({ kind: 'month', month: '2026-11' }, now)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', label: 'November 2026 (UTC)', partial: false });
    expect(periodBounds({ kind: 'month', month: '2026-12' }, now).partial).toBe(true);
    expect(periodBounds({ kind: 'month', month: '2026-02' }, now).to).toBe('2026-03-01T00:00:00.000Z');
  });
  it('takes a custom range of whole minutes', () => {
    expect(periodBounds({ kind: 'range', from: '2026-11-10T00:00:00Z', to: '2026-11-12T06:30:00Z' }, now).to).toBe('2026-11-12T06:30:00.000Z');
  });
  it('refuses a backwards, too long, ragged or future period', () => {
    expect(() => periodBounds({ kind: 'range', from: '2026-11-12T00:00:00Z', to: '2026-11-10T00:00:00Z' }, now)).toThrow(/end after it starts/);
    expect(() => periodBounds({ kind: 'range', from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }, now)).toThrow(/at most 93 days/);
    expect(() => periodBounds({ kind: 'range', from: '2026-11-10T00:00:30Z', to: '2026-11-11T00:00:00Z' }, now)).toThrow(PeriodError);
    expect(() => periodBounds({ kind: 'month', month: '2027-01' }, now)).toThrow(/starts after now/);
  });
});

describe('rate card input', () => {
  const good = { currency: 'EUR', gpuHourRates: [{ gpuClass: 'H100 80GB', rate: 2.5 }], defaultGpuHourRate: 1, perMillionTokens: 0.4, energyPerKwh: 0.2, slaPolicyId: CARD.slaPolicyId, creditPctPerPoint: 5, maxCreditPct: 20 };
  it('accepts a sound card', () => expect(rateCardInputSchema.safeParse(good).success).toBe(true));
  it.each([
    ['a negative rate', { perMillionTokens: -1 }],
    ['five decimals', { energyPerKwh: 0.12345 }],
    ['a credit above 100 %', { maxCreditPct: 101 }],
    ['a lower-case currency', { currency: 'eur' }],
    ['a GPU class twice', { gpuHourRates: [{ gpuClass: 'A', rate: 1 }, { gpuClass: 'a', rate: 2 }] }],
    ['a rate that is not a number', { defaultGpuHourRate: 'ten' }],
  ])('refuses %s', (_what, bad) => expect(rateCardInputSchema.safeParse({ ...good, ...bad }).success).toBe(false));
  it('says which figure is missing in a sentence that reads: "Give the default rate per GPU-hour as a number."', () => {
    const r = rateCardInputSchema.safeParse({ ...good, defaultGpuHourRate: undefined, maxCreditPct: undefined, perMillionTokens: -1 });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => [i.path.join('.'), i.message]);
    expect(messages).toEqual(
      expect.arrayContaining([
        ['defaultGpuHourRate', 'Give the default rate per GPU-hour as a number.'],
        ['maxCreditPct', 'Give the credit cap as a number.'],
        ['perMillionTokens', 'The rate per million tokens cannot be negative.'],
      ]),
    );
  });
});

describe('exports', () => {
  const owners = estimateOwners([site(), site({ siteId: '00000000-0000-4000-8000-0000000000c3', siteKey: 'lag-01', siteName: '=LAG "01"', ownerName: 'Africa <Edge>', nodes: [], tokens: NO_TOKENS })], CARD, false);
  const estimate: PayoutEstimate = payoutEstimateSchema.parse({
    estimate: true,
    period: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', label: 'November 2026 (UTC)', partial: false },
    generatedAt: '2026-12-06T20:00:00.000Z',
    orgName: 'Lagos Edge Ops',
    rateCard: CARD,
    includeSimulated: false,
    owners,
    notes: [],
  });

  it('writes one CSV row per owner × site, empty cells for no data, formula-safe', () => {
    const lines = payoutsCsv(estimate).trimEnd().split('\r\n');
    expect(lines[0]).toBe(PAYOUT_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    const head = PAYOUT_CSV_COLUMNS as readonly string[];
    const fra = lines.find((l) => l.includes('fra-01'))!.split(',');
    expect(fra[head.indexOf('gpu_hours')]).toBe('80');
    expect(fra[head.indexOf('site_total')]).toBe('213.00');
    expect(fra[head.indexOf('rate_card_version')]).toBe('3');
    expect(fra[head.indexOf('status')]).toBe('estimate');
    const lag = lines.find((l) => l.includes('lag-01'))!;
    expect(lag).toContain(`"'=LAG ""01"""`);
    expect(lag.split(',')[head.indexOf('gpu_hours')]).toBe('');
    expect(payoutsCsv(estimate, 'Equinix').trimEnd().split('\r\n')).toHaveLength(2);
    expect(payoutsFileName(estimate, 'csv', 'Equinix')).toBe('payout-estimate-equinix-2026-11-01-v3.csv');
  });

  it('writes a self-contained, escaped HTML report marked as an estimate', () => {
    const html = payoutsReportHtml(estimate);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('ESTIMATE');
    expect(html).toContain('Rate card version 3');
    expect(html).toContain('@media print');
    expect(html).toContain('Africa &lt;Edge&gt;');
    expect(html).not.toContain('<Edge>');
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html).toContain('213.00 EUR');
    expect(payoutsReportHtml(estimate, 'Equinix')).not.toContain('LAG');
  });

  it('says once that nothing is priced when there is no rate card', () => {
    const bare = { ...estimate, rateCard: null, owners: estimateOwners([site()], null, false), notes: [NO_RATE_CARD_NOTE] };
    const html = payoutsReportHtml(bare);
    expect(html.match(/No rate card/g)).toHaveLength(1);
    expect(html).toContain('no amount (no rate card)');
    const row = payoutsCsv(bare).trimEnd().split('\r\n')[1]!.split(',');
    expect(row[PAYOUT_CSV_COLUMNS.indexOf('site_total')]).toBe('');
    expect(row[PAYOUT_CSV_COLUMNS.indexOf('rate_card_version')]).toBe('');
    expect(payoutsFileName(bare, 'html')).toBe('payout-estimate-lagos-edge-ops-2026-11-01-no-rate-card.html');
  });
});
