/**
 * vLLM's OpenAI-compatible server as its docs describe it (docs.vllm.ai, "OpenAI-Compatible
 * Server" and "Production Metrics"): /health, /version, /v1/models with max_model_len and
 * owned_by "vllm", /v1/chat/completions, /v1/completions and /v1/embeddings (streaming too: see
 * openai-wire.ts), and /metrics in Prometheus text. Version "v0" exposes
 * the KV cache gauge as vllm:gpu_cache_usage_perc, "v1" as vllm:kv_cache_usage_perc.
 */
import { openAiInference } from './inference';
import { type FakeRuntime, type FakeState, startFake } from './server';

export interface FakeVllmOptions {
  models?: { id: string; maxModelLen: number }[];
  variant?: 'v0' | 'v1';
  version?: string;
  running?: number;
  waiting?: number;
  kvCache?: number;
  generatedTokens?: number;
  promptTokens?: number;
  /** e2e latency histogram: upper bound in seconds → cumulative count. */
  latencyBuckets?: [number, number][];
}

/** The counters start at the options' figures and grow with what this fake has answered, as vLLM's do. */
export function vllmMetrics(o: FakeVllmOptions, served: { promptTokens: number; completionTokens: number } = { promptTokens: 0, completionTokens: 0 }): string {
  const model = o.models?.[0]?.id ?? 'meta-llama/Llama-3.1-8B-Instruct';
  const l = `model_name="${model}"`;
  const kv = o.variant === 'v0' ? 'vllm:gpu_cache_usage_perc' : 'vllm:kv_cache_usage_perc';
  const buckets = o.latencyBuckets ?? [[0.3, 40], [0.5, 80], [0.8, 95], [1.0, 99], [2.5, 100]];
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  return [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{${l}} ${o.running ?? 3}.0`,
    '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting{${l}} ${o.waiting ?? 1}.0`,
    `# HELP ${kv} KV-cache usage. 1 means 100 percent usage.`,
    `# TYPE ${kv} gauge`,
    `${kv}{${l}} ${o.kvCache ?? 0.42}`,
    '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{${l}} ${(o.promptTokens ?? 480000) + served.promptTokens}.0`,
    '# HELP vllm:generation_tokens_total Number of generation tokens processed.',
    '# TYPE vllm:generation_tokens_total counter',
    `vllm:generation_tokens_total{${l}} ${(o.generatedTokens ?? 120000) + served.completionTokens}.0`,
    '# HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.',
    '# TYPE vllm:e2e_request_latency_seconds histogram',
    ...buckets.map(([le, c]) => `vllm:e2e_request_latency_seconds_bucket{le="${le.toFixed(1)}",${l}} ${c}.0`),
    `vllm:e2e_request_latency_seconds_bucket{le="+Inf",${l}} ${total}.0`,
    `vllm:e2e_request_latency_seconds_count{${l}} ${total}.0`,
    `vllm:e2e_request_latency_seconds_sum{${l}} ${(total * 0.4).toFixed(1)}`,
    '',
  ].join('\n');
}

export async function startFakeVllm(o: FakeVllmOptions = {}, init: Partial<FakeState> = {}, port = 0): Promise<FakeRuntime & { options: FakeVllmOptions }> {
  const options = { models: [{ id: 'meta-llama/Llama-3.1-8B-Instruct', maxModelLen: 131072 }], variant: 'v1' as const, version: '0.8.5', ...o };
  const fake = await startFake((req, body, state) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/health') return { text: '' };
    if (path === '/version') return { json: { version: options.version } };
    if (path === '/metrics') return { text: vllmMetrics(options, state) };
    if (path === '/v1/models')
      return {
        json: {
          object: 'list',
          data: (options.models ?? []).map((m) => ({
            id: m.id,
            object: 'model',
            created: 1733400000,
            owned_by: 'vllm',
            root: m.id,
            parent: null,
            max_model_len: m.maxModelLen,
            permission: [],
          })),
        },
      };
    const inference = openAiInference('vllm', path, req.method, body, state);
    if (inference) return inference;
    return null;
  }, init, port);
  return { ...fake, options };
}
