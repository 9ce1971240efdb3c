/**
 * Ollama's API (docs.ollama.com/api): GET /api/version {"version"}, GET /api/tags {"models":[{name,
 * model, modified_at, size, digest, details:{format, family, families, parameter_size,
 * quantization_level}}]}, GET /api/ps (the same plus expires_at, size_vram and, in newer
 * versions, context_length), POST /api/show {model} → model_info with "<arch>.context_length".
 * Ollama has no metrics endpoint: its load is read from /api/ps (what is loaded, and how much of
 * it sits in VRAM). Older versions answer "models": null for an empty list; both are accepted.
 */
import { z } from 'zod';
import { callJson } from './http';
import type { ProbeResult, RuntimeEndpoint, ServedModel } from './types';

const details = z
  .looseObject({
    family: z.string().nullish(),
    parameter_size: z.string().nullish(),
    quantization_level: z.string().nullish(),
  })
  .nullish();
const tagSchema = z.looseObject({ name: z.string().min(1).max(300), model: z.string().nullish(), size: z.number().nullish(), details });
export const tagsSchema = z.object({ models: z.array(tagSchema).max(10_000).nullable() });
export const psSchema = z.object({
  models: z
    .array(tagSchema.extend({ size_vram: z.number().nullish(), expires_at: z.string().nullish(), context_length: z.number().int().positive().nullish() }))
    .max(10_000)
    .nullable(),
});
const versionSchema = z.object({ version: z.string().max(100) });
const showSchema = z.looseObject({ model_info: z.record(z.string(), z.unknown()).nullish() });

function contextOf(show: z.infer<typeof showSchema> | null): number | null {
  for (const [k, v] of Object.entries(show?.model_info ?? {})) if (k.endsWith('.context_length') && typeof v === 'number') return v;
  return null;
}

export async function probeOllama(ep: RuntimeEndpoint, signal?: AbortSignal): Promise<ProbeResult> {
  const notes: string[] = [];
  const { version } = await callJson(ep, '/api/version', versionSchema, { signal });
  const tags = (await callJson(ep, '/api/tags', tagsSchema, { signal })).models ?? [];
  const ps = (await callJson(ep, '/api/ps', psSchema, { signal })).models ?? [];
  const loaded = new Map(ps.map((m) => [m.name, m]));
  const models: ServedModel[] = [];
  for (const t of tags.slice(0, 200)) {
    const running = loaded.get(t.name);
    let ctx = running?.context_length ?? null;
    if (ctx === null) {
      const show = await callJson(ep, '/api/show', showSchema, { method: 'POST', body: { model: t.name }, signal }).catch(() => null);
      ctx = contextOf(show);
      if (!show) notes.push(`/api/show failed for ${t.name}`);
    }
    models.push({
      id: t.name,
      family: t.details?.family ?? null,
      parameterSize: t.details?.parameter_size ?? null,
      quantization: t.details?.quantization_level ?? null,
      contextLength: ctx,
      loaded: !!running,
    });
  }
  // Load: the share of loaded model bytes held in VRAM stands in for KV-cache pressure; a model
  // spilling to CPU memory is the saturation an operator must see. Requests are not exposed.
  const size = ps.reduce((n, m) => n + (m.size ?? 0), 0);
  const vram = ps.reduce((n, m) => n + (m.size_vram ?? 0), 0);
  return {
    kind: 'ollama',
    version,
    healthy: true,
    models,
    load: { runningRequests: ps.length, waitingRequests: null, kvCacheUsage: size > 0 && vram < size ? Math.round((1 - vram / size) * 1000) / 1000 : null, tokensPerS: null, p95LatencyMs: null },
    notes: [...notes, 'Ollama exposes no request metrics; load derived from /api/ps (models loaded, share spilled out of VRAM).'],
  };
}
