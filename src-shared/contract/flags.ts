import { z } from 'zod';
import { actorRef, command, idsEvent, isoTime, query, topic } from './channel';
import { evidenceFields, evidenceSchema } from './deployments';

export const FLAG_SCOPES = ['org', 'corridor', 'customer'] as const;

export const featureFlagSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  description: z.string(),
  scopeKind: z.enum(FLAG_SCOPES),
  scopeId: z.uuid().nullable(),
  scopeName: z.string().nullable(),
  enabled: z.boolean(),
  safeDefault: z.boolean(),
  updatedAt: isoTime,
  updatedBy: actorRef.nullable(),
  version: z.number().int(),
});
export type FeatureFlag = z.infer<typeof featureFlagSchema>;

export const flagsList = query('flags.list', {
  summary: 'Every feature flag and kill switch of the org, with its scope.',
  request: z.strictObject({}),
  response: z.object({ flags: z.array(featureFlagSchema) }),
});

export const flagsSave = command('flags.save', {
  summary: 'Create a flag, or change one (before and after audited; an info alert says it changed).',
  request: z.strictObject({
    id: z.uuid().optional(),
    key: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_.-]{1,62}$/, 'A flag key is 2–63 lower-case letters, digits, “.”, “_” or “-”, starting with a letter or digit.'),
    description: z.string().trim().max(500).default(''),
    scopeKind: z.enum(FLAG_SCOPES).default('org'),
    scopeId: z.uuid().nullable().default(null),
    enabled: z.boolean(),
    safeDefault: z.boolean().default(false),
    expectedVersion: z.number().int().optional(),
  }),
  response: z.object({ flag: featureFlagSchema }),
});

export const flagsDelete = command('flags.delete', {
  summary: 'Delete a flag setting; readers fall back to the next scope or the safe default.',
  request: z.strictObject({ id: z.uuid() }),
  response: z.object({ ok: z.literal(true) }),
});

/** A flag flip is its change event (the feed's 'flag.changed'); evidence is attached to that. */
export const flagChangeSchema = z.object({ id: z.number().int(), at: isoTime, flagId: z.uuid().nullable(), message: z.string(), evidence: evidenceSchema.nullable() });
export type FlagChange = z.infer<typeof flagChangeSchema>;

export const flagsAttachEvidence = command('flags.attachEvidence', {
  summary: 'Attach evidence to a feature-flag change: a URI and the sha256 of what it names.',
  request: z.strictObject({ changeId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), ...evidenceFields }),
  response: z.object({ change: flagChangeSchema }),
});

export const flagsChanged = topic('flags.changed', {
  summary: 'Feature flags changed (ids, coalesced).',
  params: z.object({}).strict(),
  event: idsEvent,
});
