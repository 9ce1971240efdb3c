/**
 * One client per runtime: the kind's probe behind that runtime's own retry + circuit breaker.
 * Detection asks the kind-specific endpoints in an order where each answer is unambiguous
 * (Ollama's /api/version, TGI's /info, vLLM's owned_by), falling back to plain OpenAI-compatible.
 */
import { RuntimeError } from './errors';
import { callJson } from './http';
import { probeOllama } from './ollama';
import { listOpenAiModels } from './openai';
import { type Resilience, type ResilienceOptions, resilience } from './resilience';
import { infoSchema, probeTgi } from './tgi';
import { EMPTY_LOAD, type ProbeResult, type RuntimeClient, type RuntimeEndpoint, type RuntimeKind } from './types';
import { type CounterMemo, probeVllm } from './vllm';
import { z } from 'zod';

async function probeOpenAi(ep: RuntimeEndpoint, signal?: AbortSignal): Promise<ProbeResult> {
  const models = await listOpenAiModels(ep, signal);
  return {
    kind: 'openai',
    version: null,
    healthy: true,
    models: models.data.map((m) => ({ id: m.id, family: null, parameterSize: null, quantization: null, contextLength: m.max_model_len ?? null, loaded: null })),
    load: { ...EMPTY_LOAD },
    notes: ['A generic OpenAI-compatible server exposes no load; routing treats it as unmeasured.'],
  };
}

export function createRuntimeClient(kind: RuntimeKind, ep: RuntimeEndpoint, opts: ResilienceOptions = {}): RuntimeClient & { resilience: Resilience } {
  const r = resilience(opts);
  const memo: { value: CounterMemo | null } = { value: null };
  const once = (signal: AbortSignal): Promise<ProbeResult> => {
    switch (kind) {
      case 'vllm':
        return probeVllm(ep, memo, signal);
      case 'ollama':
        return probeOllama(ep, signal);
      case 'tgi':
        return probeTgi(ep, memo, signal);
      case 'openai':
        return probeOpenAi(ep, signal);
    }
  };
  return { kind, resilience: r, circuit: () => r.state(), probe: () => r.run(once) };
}

const ollamaVersion = z.object({ version: z.string().max(100) });

/** What the endpoint is, by asking it; a RuntimeError when nothing there speaks a known API. */
export async function detectKind(ep: RuntimeEndpoint): Promise<RuntimeKind> {
  const quick = { timeoutMs: 3000 };
  if (await callJson(ep, '/api/version', ollamaVersion, quick).then(() => true, () => false)) return 'ollama';
  if (await callJson(ep, '/info', infoSchema, quick).then(() => true, () => false)) return 'tgi';
  let models;
  try {
    models = await listOpenAiModels(ep);
  } catch (err) {
    if (err instanceof RuntimeError && (err.fault === 'timeout' || err.fault === 'refused' || err.fault === 'redirect' || err.fault === 'too_large')) throw err;
    throw new RuntimeError('wrong_kind', 'Nothing at that address speaks the vLLM, Ollama, TGI or OpenAI-compatible API (no /api/version, /info or /v1/models).');
  }
  return models.data.some((m) => m.owned_by === 'vllm') ? 'vllm' : 'openai';
}

/**
 * Connect (rollout step 3): detect, check a declared kind against what the endpoint says it is,
 * then probe once through a fresh client. Nothing is stored here; the caller stores the result.
 */
export async function connectRuntime(ep: RuntimeEndpoint, declared: RuntimeKind | null, opts: ResilienceOptions = {}): Promise<ProbeResult> {
  const detected = await detectKind(ep);
  if (declared && declared !== detected && !(declared === 'openai')) {
    throw new RuntimeError('wrong_kind', `The endpoint was declared ${declared}, but it answers as ${detected}.`);
  }
  return createRuntimeClient(detected, ep, { attempts: 1, ...opts }).probe();
}
