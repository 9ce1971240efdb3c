/**
 * Hugging Face TGI: GET /health (200), GET /info (huggingface.co/docs/text-generation-inference:
 * model_id, model_sha, max_concurrent_requests, max_input_tokens, max_total_tokens, version, sha,
 * docker_label, router; versions before 2.x say max_input_length and carry model_dtype and
 * model_device_type), Prometheus /metrics with tgi_queue_size, tgi_batch_current_size and the
 * tgi_request_duration histogram (seconds), (TGI exposes no running token rate, so tokens/s stays unmeasured).
 */
import { z } from 'zod';
import { RuntimeError } from './errors';
import { callJson, callText } from './http';
import { gauge, histogram, parseMetrics, quantile } from './prometheus';
import type { ProbeResult, RuntimeEndpoint } from './types';
import type { CounterMemo } from './vllm';

export const infoSchema = z.looseObject({
  model_id: z.string().min(1).max(300),
  model_dtype: z.string().nullish(),
  max_input_tokens: z.number().int().nullish(),
  max_input_length: z.number().int().nullish(),
  max_total_tokens: z.number().int().positive().nullish(),
  max_concurrent_requests: z.number().int().nullish(),
  version: z.string().max(100).nullish(),
  router: z.string().nullish(),
});

function quantOf(modelId: string, dtype: string | null | undefined): string | null {
  const m = /(awq|gptq|fp8|int8|int4|bnb|eetq|marlin|exl2)/i.exec(modelId);
  return m ? (m[1] as string).toUpperCase() : (dtype ?? null);
}

export async function probeTgi(ep: RuntimeEndpoint, memo: { value: CounterMemo | null }, signal?: AbortSignal): Promise<ProbeResult> {
  const notes: string[] = [];
  const health = await callText(ep, '/health', { signal });
  const info = await callJson(ep, '/info', infoSchema, { signal });
  if (info.router && !/text-generation/i.test(info.router)) throw new RuntimeError('wrong_kind', `The endpoint was registered as TGI, but /info names router ${info.router}.`);
  let load: ProbeResult['load'] = { runningRequests: null, waitingRequests: null, kvCacheUsage: null, tokensPerS: null, p95LatencyMs: null };
  const metrics = await callText(ep, '/metrics', { signal }).catch(() => null);
  if (metrics && metrics.status === 200) {
    const f = parseMetrics(metrics.text);
    const now = Date.now();
    const latency = histogram(f, 'tgi_request_duration');
    const p95 = latency ? (memo.value?.latency ? quantile(latency, 0.95, memo.value.latency) : null) ?? quantile(latency, 0.95) : null;
    load = {
      runningRequests: gauge(f, 'tgi_batch_current_size'),
      waitingRequests: gauge(f, 'tgi_queue_size'),
      kvCacheUsage: null,
      tokensPerS: null,
      p95LatencyMs: p95 === null ? null : Math.round(p95 * 1000),
    };
    memo.value = { at: now, generated: null, latency };
  } else notes.push('/metrics not available');
  return {
    kind: 'tgi',
    version: info.version ?? null,
    healthy: health.status === 200,
    models: [
      {
        id: info.model_id,
        family: null,
        parameterSize: null,
        quantization: quantOf(info.model_id, info.model_dtype),
        contextLength: info.max_total_tokens ?? (info.max_input_length ? info.max_input_length + 1 : null),
        loaded: true,
      },
    ],
    load,
    notes,
  };
}
