import { z } from 'zod';
import { TIERS } from '../domain/routing/types';
import { command, isoTime, query } from './channel';

export const FAILOVER_RULES = ['same_corridor', 'fallback_corridor', 'none'] as const;
export const FAILOVER_LABELS: Record<(typeof FAILOVER_RULES)[number], string> = {
  same_corridor: 'Same corridor only',
  fallback_corridor: 'Named fallback corridor',
  none: 'No failover',
};
export const TIER_LABELS: Record<(typeof TIERS)[number], string> = { pilot: 'Pilot', enterprise: 'Enterprise', sovereign: 'Sovereign' };

export const slaPolicySchema = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  uptimeTargetPct: z.number(),
  p95TargetMs: z.number().int(),
  escalationWindowMin: z.number().int(),
  failoverRule: z.enum(FAILOVER_RULES),
  fallbackCorridorId: z.uuid().nullable(),
  fallbackCorridorName: z.string().nullable(),
  createdAt: isoTime,
});
export type SlaPolicy = z.infer<typeof slaPolicySchema>;

export const customerSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  tier: z.enum(TIERS),
  homeCorridorId: z.uuid(),
  homeCorridorName: z.string(),
  slaPolicyId: z.uuid().nullable(),
  /** The policy in force: the customer's own, or its tier's default. */
  effectivePolicyId: z.uuid().nullable(),
  reservedNodes: z.number().int(),
});
export type Customer = z.infer<typeof customerSchema>;

export const slaList = query('sla.list', {
  summary: 'SLA policies, each tier’s default policy, and customers.',
  request: z.strictObject({}),
  response: z.object({
    policies: z.array(slaPolicySchema),
    tiers: z.array(z.object({ tier: z.enum(TIERS), slaPolicyId: z.uuid().nullable() })),
    customers: z.array(customerSchema),
  }),
});

const slug = z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'Lower-case letters, digits, - and _ (up to 41 characters).');

export const slaSavePolicy = command('sla.savePolicy', {
  summary: 'Create or change an SLA policy (admins).',
  roles: ['admin'],
  request: z
    .strictObject({
      id: z.uuid().nullable().default(null),
      key: slug,
      name: z.string().trim().min(1).max(120),
      uptimeTargetPct: z.number().gt(0).max(100),
      p95TargetMs: z.number().int().min(10).max(600000),
      escalationWindowMin: z.number().int().min(1).max(10080),
      failoverRule: z.enum(FAILOVER_RULES),
      fallbackCorridorId: z.uuid().nullable().default(null),
    })
    .refine((p) => (p.failoverRule === 'fallback_corridor') === (p.fallbackCorridorId !== null), {
      message: 'Name a fallback corridor exactly when the failover rule is “named fallback corridor”.',
      path: ['fallbackCorridorId'],
    }),
  response: z.object({ policy: slaPolicySchema }),
});

export const slaSetTierPolicy = command('sla.setTierPolicy', {
  summary: 'Set a tier’s default SLA policy (admins).',
  roles: ['admin'],
  request: z.strictObject({ tier: z.enum(TIERS), slaPolicyId: z.uuid() }),
  response: z.object({ ok: z.literal(true) }),
});

export const slaInstallDefaults = command('sla.installDefaults', {
  summary: 'Install the three default policies (pilot, enterprise, sovereign) and map each tier to its own (admins).',
  roles: ['admin'],
  request: z.strictObject({}),
  response: z.object({ installed: z.number().int() }),
});

export const slaSaveCustomer = command('sla.saveCustomer', {
  summary: 'Create or change a customer: tier, home corridor, SLA policy override, reserved nodes.',
  request: z.strictObject({
    id: z.uuid().nullable().default(null),
    key: slug,
    name: z.string().trim().min(1).max(200),
    tier: z.enum(TIERS),
    homeCorridorId: z.uuid(),
    slaPolicyId: z.uuid().nullable().default(null),
    reservedNodeIds: z.array(z.uuid()).max(1000).default([]),
  }),
  response: z.object({ customer: customerSchema }),
});
