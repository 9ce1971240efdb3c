import { z } from 'zod';
import { command, empty, query } from './channel';

/**
 * Site-owner reports and payout estimates (issue 13, rollout step 6): per owner and period, the
 * GPU-hours, tokens, energy and availability their sites gave, priced with a versioned rate card.
 * How each figure is computed: docs/operator-guide.md, "Site-owner reports and payouts".
 */

/** `what` opens a sentence ("The rate … cannot be negative."); inside one it is lower-cased ("Give the rate … as a number."). */
const inside = (what: string) => what.charAt(0).toLowerCase() + what.slice(1);

/** Rates: at most four decimals, as the database keeps them (numeric(12, 4)). */
const rate = (max: number, what: string) =>
  z
    .number(`Give ${inside(what)} as a number.`)
    .min(0, `${what} cannot be negative.`)
    .max(max, `${what} is at most ${max}.`)
    .refine((v) => Math.abs(Math.round(v * 10_000) - v * 10_000) < 1e-6, `${what} has at most four decimals.`);
const pct = (what: string) =>
  z
    .number(`Give ${inside(what)} as a number.`)
    .min(0, `${what} cannot be negative.`)
    .max(100, `${what} is at most 100 %.`)
    .refine((v) => Math.abs(Math.round(v * 1000) - v * 1000) < 1e-6, `${what} has at most three decimals.`);

export const gpuHourRateSchema = z.strictObject({
  /** A node's GPU model as registered (mc.nodes.gpu_model), e.g. "H100 80GB". */
  gpuClass: z.string().trim().min(1, 'Name the GPU class.').max(80, 'A GPU class is at most 80 characters.'),
  rate: rate(100_000, 'The rate per GPU-hour'),
});
export type GpuHourRate = z.infer<typeof gpuHourRateSchema>;

/** What an admin edits; the version, target snapshot and author are added when saved. */
export const rateCardInputSchema = z.strictObject({
  currency: z.string().trim().regex(/^[A-Z]{3}$/, 'Give the currency as a three-letter ISO code, e.g. EUR.'),
  gpuHourRates: z
    .array(gpuHourRateSchema)
    .max(50, 'At most 50 GPU classes.')
    .refine((rs) => new Set(rs.map((r) => r.gpuClass.toLowerCase())).size === rs.length, 'Each GPU class once.'),
  defaultGpuHourRate: rate(100_000, 'The default rate per GPU-hour'),
  perMillionTokens: rate(100_000, 'The rate per million tokens'),
  energyPerKwh: rate(1000, 'The energy pass-through per kWh'),
  slaPolicyId: z.uuid('Pick the SLA policy whose uptime target availability is measured against.'),
  creditPctPerPoint: pct('The credit per point below target'),
  maxCreditPct: pct('The credit cap'),
  note: z.string().trim().max(2000, 'A note is at most 2,000 characters.').default(''),
});
export type RateCardInput = z.infer<typeof rateCardInputSchema>;

export const rateCardSchema = z.object({
  version: z.number().int(),
  currency: z.string(),
  gpuHourRates: z.array(z.object({ gpuClass: z.string(), rate: z.number() })),
  defaultGpuHourRate: z.number(),
  perMillionTokens: z.number(),
  energyPerKwh: z.number(),
  slaPolicyId: z.uuid(),
  slaPolicyName: z.string(),
  /** The policy's uptime target when this version was saved. */
  uptimeTargetPct: z.number(),
  creditPctPerPoint: z.number(),
  maxCreditPct: z.number(),
  note: z.string(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type RateCard = z.infer<typeof rateCardSchema>;

/** A figure with what it was computed from; `value` null means there were no records to compute it. */
const figure = z.object({ value: z.number().nullable(), basis: z.string() });

export const siteEstimateSchema = z.object({
  siteId: z.uuid(),
  siteKey: z.string(),
  siteName: z.string(),
  country: z.string(),
  nodes: z.number().int(),
  gpus: z.number().int(),
  gpuHours: figure,
  tokens: figure.extend({ events: z.number().int(), estimatedEvents: z.number().int() }),
  /** Simulated traffic (usage_events.simulated), shown apart; priced only when asked. */
  simulatedTokens: figure.extend({ events: z.number().int() }),
  energyKwh: figure.extend({ coveragePct: z.number().nullable() }),
  availability: figure.extend({ upMinutes: z.number().int(), expectedMinutes: z.number().int(), targetPct: z.number().nullable() }),
  /** Amounts in minor units (cents) of the card's currency; null where the figure or the card is missing. */
  amounts: z.object({
    gpu: z.number().int().nullable(),
    tokens: z.number().int().nullable(),
    energy: z.number().int().nullable(),
    creditPct: z.number().nullable(),
    credit: z.number().int().nullable(),
    total: z.number().int().nullable(),
  }),
  /** Plain lines: what is missing and what that means for the amount. */
  notes: z.array(z.string()),
});
export type SiteEstimate = z.infer<typeof siteEstimateSchema>;

export const ownerEstimateSchema = z.object({
  ownerName: z.string(),
  sites: z.array(siteEstimateSchema),
  /** Sum of the sites' rounded totals (null when no card); `complete` false when a site lacks a figure. */
  totalCents: z.number().int().nullable(),
  complete: z.boolean(),
});
export type OwnerEstimate = z.infer<typeof ownerEstimateSchema>;

export const periodSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('month'), month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Give the month as YYYY-MM.') }),
  z.strictObject({ kind: z.literal('range'), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }),
]);
export type PeriodInput = z.infer<typeof periodSchema>;

export const payoutEstimateSchema = z.object({
  /** Always true: an estimate from operational records, not an invoice or a statement. */
  estimate: z.literal(true),
  period: z.object({ from: z.string(), to: z.string(), label: z.string(), partial: z.boolean() }),
  generatedAt: z.string(),
  orgName: z.string(),
  rateCard: rateCardSchema.nullable(),
  includeSimulated: z.boolean(),
  owners: z.array(ownerEstimateSchema),
  notes: z.array(z.string()),
});
export type PayoutEstimate = z.infer<typeof payoutEstimateSchema>;

export const payoutsEstimate = query('payouts.estimate', {
  summary: 'Per site owner and period: GPU-hours, tokens, energy, availability and the payout estimate priced with a rate card version (the newest by default).',
  request: z.strictObject({
    period: periodSchema,
    rateCardVersion: z.number().int().min(1).max(1_000_000).optional(),
    includeSimulated: z.boolean().default(false),
  }),
  response: z.object({ estimate: payoutEstimateSchema }),
});

export const payoutsRateCards = query('payouts.rateCards', {
  summary: 'The rate card versions, newest first (at most 100), and what a new version can name: SLA policies and the GPU classes of the grid.',
  request: empty,
  response: z.object({
    versions: z.array(rateCardSchema),
    slaPolicies: z.array(z.object({ id: z.uuid(), name: z.string(), uptimeTargetPct: z.number() })),
    gpuClasses: z.array(z.string()),
  }),
});

export const payoutsSaveRateCard = command('payouts.saveRateCard', {
  summary: 'Save a new rate card version (admins). Earlier versions, and every estimate that names them, stay as they were.',
  request: rateCardInputSchema,
  response: z.object({ rateCard: rateCardSchema }),
  roles: ['admin'],
});
