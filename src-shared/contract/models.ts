import { z } from 'zod';
import { TIERS } from '../domain/routing/types';
import { command, isoTime, query } from './channel';

export const catalogEntrySchema = z.object({
  id: z.string(),
  displayName: z.string().nullable(),
  family: z.string().nullable(),
  parameterSize: z.string().nullable(),
  quantizations: z.array(z.string()),
  /** The smallest context window among the runtimes serving it: what every one of them can take. */
  contextLength: z.number().int().nullable(),
  capabilities: z.array(z.string()),
  allowedTiers: z.array(z.enum(TIERS)),
  regulatedOk: z.boolean(),
  /** Whether an operator described it; an undescribed model is open to every tier and workload. */
  described: z.boolean(),
  runtimes: z.number().int(),
  healthyRuntimes: z.number().int(),
  nodes: z.number().int(),
  corridors: z.array(z.string()),
  /** available = a healthy runtime on an active node serves it; computed from the last probes. */
  availability: z.enum(['available', 'degraded', 'unavailable']),
  lastSeenAt: isoTime.nullable(),
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

export const modelsList = query('models.list', {
  summary: 'The model catalog across runtimes, with operator metadata.',
  request: z.strictObject({}),
  response: z.object({ models: z.array(catalogEntrySchema) }),
});

export const openAiModelSchema = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
  umamiedge: z.object({
    display_name: z.string().nullable(),
    family: z.string().nullable(),
    parameter_size: z.string().nullable(),
    quantizations: z.array(z.string()),
    context_length: z.number().int().nullable(),
    capabilities: z.array(z.string()),
    allowed_tiers: z.array(z.string()),
    regulated_ok: z.boolean(),
    described: z.boolean(),
    corridors: z.array(z.string()),
    availability: z.string(),
  }),
});

export const modelsOpenAi = query('models.openai', {
  summary: 'The catalog as the OpenAI-compatible /api/v1/models list (what the gateway serves).',
  request: z.strictObject({}),
  response: z.object({ object: z.literal('list'), data: z.array(openAiModelSchema) }),
});

export const modelsSetMeta = command('models.setMeta', {
  summary: 'Set a model’s display name, allowed tiers and regulated-workload suitability.',
  request: z.strictObject({
    modelId: z.string().trim().min(1).max(300),
    displayName: z.string().trim().min(1).max(200).nullable(),
    allowedTiers: z.array(z.enum(TIERS)).max(3),
    regulatedOk: z.boolean(),
    capabilities: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
  }),
  response: z.object({ model: catalogEntrySchema }),
});
