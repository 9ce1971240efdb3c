/**
 * vLLM's OpenAI-compatible server: /health (200, empty body), /version ({"version": "0.x.y"}),
 * /v1/models (OpenAI list plus max_model_len), and Prometheus /metrics
 * (docs.vllm.ai "Production Metrics"). Metric names changed across versions: the KV cache gauge
 * was vllm:gpu_cache_usage_perc and is vllm:kv_cache_usage_perc since the V1 engine (vLLM pull
 * request 18354); both are read, newer first.
 */
import { z } from 'zod';
import { RuntimeError } from './errors';
import { callJson, callText } from './http';
import { listOpenAiModels } from './openai';
import { type Families, gauge, histogram, parseMetrics, quantile } from './prometheus';
import type { ProbeResult, RuntimeEndpoint, ServedModel } from './types';

const versionSchema = z.object({ version: z.string().max(100) });

export interface CounterMemo {
  at: number;
  generated: number | null;
  latency: Map<number, number> | null;
}

export function vllmLoad(f: Families, prev: CounterMemo | null, now: number) {
  const generated = gauge(f, 'vllm:generation_tokens_total', 'vllm:generation_tokens');
  const latency = histogram(f, 'vllm:e2e_request_latency_seconds');
  const dt = prev ? (now - prev.at) / 1000 : 0;
  const tokensPerS = prev && dt > 0 && generated !== null && prev.generated !== null && generated >= prev.generated ? (generated - prev.generated) / dt : null;
  const recent = latency && prev?.latency ? quantile(latency, 0.95, prev.latency) : null;
  const p95s = recent ?? (latency ? quantile(latency, 0.95) : null);
  return {
    load: {
      runningRequests: gauge(f, 'vllm:num_requests_running'),
      waitingRequests: gauge(f, 'vllm:num_requests_waiting'),
      kvCacheUsage: gauge(f, 'vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'),
      tokensPerS: tokensPerS === null ? null : Math.round(tokensPerS * 10) / 10,
      p95LatencyMs: p95s === null ? null : Math.round(p95s * 1000),
    },
    memo: { at: now, generated, latency } satisfies CounterMemo,
    // The cumulative counters themselves, not only the rate: a reconciliation sums their deltas per window.
    tokenCounters: { promptTokensTotal: gauge(f, 'vllm:prompt_tokens_total', 'vllm:prompt_tokens'), generationTokensTotal: generated },
  };
}

export async function probeVllm(ep: RuntimeEndpoint, memo: { value: CounterMemo | null }, signal?: AbortSignal): Promise<ProbeResult> {
  const notes: string[] = [];
  const health = await callText(ep, '/health', { signal });
  const models = await listOpenAiModels(ep, signal);
  if (models.data.length > 0 && models.data.every((m) => m.owned_by !== 'vllm')) {
    throw new RuntimeError('wrong_kind', 'The endpoint was registered as vLLM, but its /v1/models entries are not owned by vllm.');
  }
  let version: string | null = null;
  try {
    version = (await callJson(ep, '/version', versionSchema, { signal })).version;
  } catch {
    notes.push('/version not available');
  }
  let load = { runningRequests: null, waitingRequests: null, kvCacheUsage: null, tokensPerS: null, p95LatencyMs: null } as ProbeResult['load'];
  let tokenCounters: ProbeResult['tokenCounters'] = null;
  const metrics = await callText(ep, '/metrics', { signal }).catch(() => null);
  if (metrics && metrics.status === 200) {
    const out = vllmLoad(parseMetrics(metrics.text), memo.value, Date.now());
    load = out.load;
    tokenCounters = out.tokenCounters;
    memo.value = out.memo;
  } else notes.push('/metrics not available');
  const served: ServedModel[] = models.data.map((m) => ({
    id: m.id,
    family: null,
    parameterSize: null,
    quantization: null,
    contextLength: m.max_model_len ?? null,
    loaded: true,
  }));
  return { kind: 'vllm', version, healthy: health.status === 200, models: served, load, notes, tokenCounters };
}
