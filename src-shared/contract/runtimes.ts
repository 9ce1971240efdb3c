import { z } from 'zod';
import { command, isoTime, query, topic } from './channel';

export const RUNTIME_KINDS = ['vllm', 'ollama', 'tgi', 'openai'] as const;
export const RUNTIME_KIND_LABELS: Record<(typeof RUNTIME_KINDS)[number], string> = { vllm: 'vLLM', ollama: 'Ollama', tgi: 'TGI', openai: 'OpenAI-compatible' };
export const RUNTIME_HEALTH = ['unknown', 'healthy', 'degraded', 'down'] as const;
export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;

export const runtimeSchema = z.object({
  id: z.uuid(),
  nodeId: z.uuid(),
  hostname: z.string(),
  siteName: z.string(),
  corridorName: z.string(),
  name: z.string(),
  kind: z.enum(RUNTIME_KINDS),
  baseUrl: z.string(),
  runtimeGroup: z.string(),
  apiKeySet: z.boolean(),
  version: z.string().nullable(),
  health: z.enum(RUNTIME_HEALTH),
  circuit: z.enum(CIRCUIT_STATES),
  lastProbeAt: isoTime.nullable(),
  lastError: z.string().nullable(),
  probeSource: z.enum(['workstation', 'agent']).nullable(),
  load: z.object({
    runningRequests: z.number().nullable(),
    waitingRequests: z.number().nullable(),
    kvCacheUsage: z.number().nullable(),
    tokensPerS: z.number().nullable(),
    p95LatencyMs: z.number().nullable(),
  }),
  models: z.array(z.object({ id: z.string(), contextLength: z.number().int().nullable(), quantization: z.string().nullable(), loaded: z.boolean().nullable() })),
  createdAt: isoTime,
});
export type Runtime = z.infer<typeof runtimeSchema>;

export const runtimesList = query('runtimes.list', {
  summary: 'Every runtime with what its last probe saw: health, circuit, load and models.',
  request: z.strictObject({}),
  response: z.object({ runtimes: z.array(runtimeSchema) }),
});

const baseUrl = z.string().trim().min(8, 'Give the runtime’s address, e.g. http://10.0.0.5:8000.').max(500);

export const runtimesConnect = command('runtimes.connect', {
  summary: 'Test an endpoint, detect its kind and version, list its models, and register it on a node.',
  request: z.strictObject({
    nodeId: z.uuid(),
    name: z.string().trim().min(1).max(120),
    baseUrl,
    /** null = detect; a declared kind the endpoint contradicts is refused. */
    kind: z.enum(RUNTIME_KINDS).nullable().default(null),
    runtimeGroup: z.string().trim().regex(/^[a-z][a-z0-9_]{0,40}$/, 'Lower-case letters, digits and _.').default('vllm'),
    /** Kept only in this workstation's keychain. */
    apiKey: z.string().min(1).max(4096).nullable().default(null),
  }),
  response: z.object({ runtime: runtimeSchema }),
});

export const runtimesProbe = command('runtimes.probe', {
  summary: 'Probe a runtime now through its circuit breaker and record what it said.',
  request: z.strictObject({ runtimeId: z.uuid() }),
  response: z.object({ runtime: runtimeSchema }),
});

export const runtimesChanged = topic('runtimes.changed', {
  summary: 'Runtimes were connected or probed (ids, coalesced).',
  params: z.object({}).strict(),
  event: z.object({ ids: z.array(z.string()), truncated: z.boolean() }),
});
