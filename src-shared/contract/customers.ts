import { z } from 'zod';
import { TIERS } from '../domain/routing/types';
import { command, isoTime, query } from './channel';
import { customerSchema } from './sla';

/** The org defaults a null limit means (issue 13, seed 004: 10,000 API requests a minute per org). */
export const ORG_DEFAULT_REQUESTS_PER_MIN = 10_000;
export const MAX_CONTACTS = 20;

/** Upper bounds as in migration 0044's CHECK constraints, so the contract refuses before the database does. */
export const LIMIT_BOUNDS = {
  requestsPerMin: 10_000_000,
  tokensPerMin: 1_000_000_000,
  monthlyTokenQuota: 1_000_000_000_000_000,
  maxConcurrency: 100_000,
} as const;

export const contactSchema = z.strictObject({
  name: z.string().trim().min(1, 'Give the contact a name.').max(120),
  role: z.string().trim().min(1, 'Say what the contact is for (e.g. on-call, billing, security).').max(80),
  email: z.email('Use an email address such as noc@example.com.').max(254),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 ().-]{4,29}$/, 'Use digits, spaces and + ( ) - . only, e.g. +49 30 1234567.')
    .optional(),
});
export type Contact = z.infer<typeof contactSchema>;

const limit = (max: number, what: string) =>
  z
    .number()
    .int(`${what} must be a whole number.`)
    .positive(`${what} must be at least 1, or empty for the org default.`)
    .max(max, `${what} can be at most ${max.toLocaleString('en')}.`)
    .nullable();
const committed = (max: number, what: string) => z.number().int(`${what} must be a whole number.`).min(0, `${what} cannot be negative (0 = nothing committed).`).max(max);

export const limitsSchema = z.object({
  requestsPerMin: z.number().int().nullable(),
  tokensPerMin: z.number().int().nullable(),
  monthlyTokenQuota: z.number().int().nullable(),
  maxConcurrency: z.number().int().nullable(),
});
export const committedSchema = z.object({ requestsPerMin: z.number().int(), tokensPerMin: z.number().int() });

/** The SLA view's customer (its terms), with the policy's name, the reserved nodes by id and everything issue 13 added. */
export const customerRecordSchema = customerSchema.omit({ reservedNodes: true }).extend({
  effectivePolicyName: z.string().nullable(),
  reservedNodeIds: z.array(z.uuid()),
  /** null = the org default (requests: ORG_DEFAULT_REQUESTS_PER_MIN; the others: no cap). */
  limits: limitsSchema,
  committed: committedSchema,
  /** Empty = every corridor the residency policy and the SLA's failover rule allow. */
  allowedCorridors: z.array(z.object({ id: z.uuid(), name: z.string() })),
  contacts: z.array(contactSchema),
  keys: z.object({ working: z.number().int(), total: z.number().int() }),
});
export type CustomerRecord = z.infer<typeof customerRecordSchema>;

const traffic = z.object({
  requests: z.number().int(),
  /** Answered with a status of 400 or more (limits, no route, upstream errors). */
  refused: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
});

export const customersList = query('customers.list', {
  summary: 'Customers of the org with their terms, limits, key counts and requests today (UTC).',
  request: z.strictObject({}),
  response: z.object({
    customers: z.array(customerRecordSchema.extend({ requestsToday: z.number().int(), tokensToday: z.number().int() })),
    /** The start of "today" the counts use (00:00 UTC). */
    since: isoTime,
  }),
});

export const customerDecisionSchema = z.object({
  id: z.uuid(),
  decidedAt: isoTime,
  source: z.enum(['simulation', 'gateway']),
  model: z.string(),
  originCountry: z.string(),
  region: z.string().nullable(),
  selectedHostname: z.string().nullable(),
  fallbackHostname: z.string().nullable(),
  policyReason: z.string(),
  explanation: z.string().nullable(),
});

export const customersGet = query('customers.get', {
  summary: 'One customer: terms, limits, allowed corridors, contacts, usage today and this month against its committed capacity, and its newest 20 routing decisions.',
  request: z.strictObject({ id: z.uuid() }),
  response: z.object({
    customer: customerRecordSchema,
    usage: z.object({
      dayStart: isoTime,
      monthStart: isoTime,
      today: traffic,
      month: traffic,
      /** The busiest minute today, to set against committed capacity (per minute). */
      peakRequestsPerMinToday: z.number().int(),
      peakTokensPerMinToday: z.number().int(),
      /** Share of the monthly quota used, when there is one (0..∞; above 1 = over). */
      quotaUsed: z.number().nullable(),
      simulated: z.boolean(),
    }),
    decisions: z.array(customerDecisionSchema),
  }),
});

const slug = z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'Lower-case letters, digits, - and _ (up to 41 characters).');

export const customerInput = z
  .strictObject({
    id: z.uuid().nullable().default(null),
    key: slug,
    name: z.string().trim().min(1, 'Give the customer a name.').max(200),
    tier: z.enum(TIERS),
    homeCorridorId: z.uuid(),
    slaPolicyId: z.uuid().nullable().default(null),
    reservedNodeIds: z.array(z.uuid()).max(1000).default([]),
    requestsPerMin: limit(LIMIT_BOUNDS.requestsPerMin, 'Requests a minute').default(null),
    tokensPerMin: limit(LIMIT_BOUNDS.tokensPerMin, 'Tokens a minute').default(null),
    monthlyTokenQuota: limit(LIMIT_BOUNDS.monthlyTokenQuota, 'The monthly token quota').default(null),
    maxConcurrency: limit(LIMIT_BOUNDS.maxConcurrency, 'Concurrent requests').default(null),
    committedRequestsPerMin: committed(LIMIT_BOUNDS.requestsPerMin, 'Committed requests a minute').default(0),
    committedTokensPerMin: committed(LIMIT_BOUNDS.tokensPerMin, 'Committed tokens a minute').default(0),
    allowedCorridorIds: z.array(z.uuid()).max(64, 'At most 64 allowed corridors.').default([]),
    contacts: z.array(contactSchema).max(MAX_CONTACTS, `At most ${MAX_CONTACTS} contacts.`).default([]),
  })
  .superRefine((c, ctx) => {
    // Committed capacity is a promise the limits must let through: above its own limit it could never be honoured.
    const reqLimit = c.requestsPerMin ?? ORG_DEFAULT_REQUESTS_PER_MIN;
    if (c.committedRequestsPerMin > reqLimit) {
      ctx.addIssue({
        code: 'custom',
        path: ['committedRequestsPerMin'],
        message: `Committed requests a minute (${c.committedRequestsPerMin}) exceed the ${c.requestsPerMin === null ? 'org default' : 'limit'} of ${reqLimit}: raise the limit or lower the commitment.`,
      });
    }
    if (c.tokensPerMin !== null && c.committedTokensPerMin > c.tokensPerMin) {
      ctx.addIssue({
        code: 'custom',
        path: ['committedTokensPerMin'],
        message: `Committed tokens a minute (${c.committedTokensPerMin}) exceed the limit of ${c.tokensPerMin}: raise the limit or lower the commitment.`,
      });
    }
    if (new Set(c.allowedCorridorIds).size !== c.allowedCorridorIds.length) {
      ctx.addIssue({ code: 'custom', path: ['allowedCorridorIds'], message: 'A corridor is listed twice.' });
    }
    if (c.allowedCorridorIds.length > 0 && !c.allowedCorridorIds.includes(c.homeCorridorId)) {
      ctx.addIssue({ code: 'custom', path: ['allowedCorridorIds'], message: 'The allowed corridors must include the home corridor (or be empty: every corridor the policy allows).' });
    }
    const emails = c.contacts.map((x) => x.email.toLowerCase());
    if (new Set(emails).size !== emails.length) ctx.addIssue({ code: 'custom', path: ['contacts'], message: 'Two contacts have the same email address.' });
  });
export type CustomerInput = z.output<typeof customerInput>;

export const customersSave = command('customers.save', {
  summary: 'Create or change a customer: tier, home corridor, SLA policy, reserved nodes, limits, committed capacity, allowed corridors and contacts (admins and operators).',
  roles: ['admin', 'operator'],
  request: customerInput,
  response: z.object({ customer: customerRecordSchema }),
});

/** The org's own request limit across all its customers (mc.org_limits, sql/0046). */
export const orgLimitSchema = z.object({
  /** What an admin set; null = never set, so the default applies. */
  requestsPerMin: z.number().int().nullable(),
  /** What the gateway applies now. */
  effectiveRequestsPerMin: z.number().int(),
  defaultRequestsPerMin: z.number().int(),
  updatedAt: isoTime.nullable(),
  /** Requests admitted for the org's customers in the current UTC minute, and the busiest minute of the last hour. */
  thisMinute: z.number().int(),
  peakLastHour: z.number().int(),
});
export type OrgLimit = z.infer<typeof orgLimitSchema>;

export const customersOrgLimit = query('customers.orgLimit', {
  summary: 'The org’s request limit across all its customers (default 10,000 a minute) and how much of it this minute and the last hour used.',
  request: z.strictObject({}),
  response: z.object({ limit: orgLimitSchema }),
});

export const customersSetOrgLimit = command('customers.setOrgLimit', {
  summary: 'Set the org’s request limit across all its customers (admins): the next request the gateway admits applies it.',
  roles: ['admin'],
  request: z.strictObject({
    requestsPerMin: z
      .number()
      .int('The org limit must be a whole number of requests a minute.')
      .min(1, 'The org limit must be at least 1 request a minute.')
      .max(LIMIT_BOUNDS.requestsPerMin * 10, `The org limit can be at most ${(LIMIT_BOUNDS.requestsPerMin * 10).toLocaleString('en')} requests a minute.`),
    reason: z.string().trim().min(3, 'Say why the limit changes (it goes in the audit log).').max(500),
  }),
  response: z.object({ limit: orgLimitSchema }),
});
