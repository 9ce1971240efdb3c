import type { CircuitState } from '../../src-shared/domain/routing/types';

export const RUNTIME_KINDS = ['vllm', 'ollama', 'tgi', 'openai'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/** A model as the runtime reports it; fields it does not expose stay null. */
export interface ServedModel {
  id: string;
  family: string | null;
  parameterSize: string | null;
  quantization: string | null;
  contextLength: number | null;
  /** Loaded in memory now (Ollama's /api/ps); null where the runtime cannot say. */
  loaded: boolean | null;
}

/** Load, where the runtime exposes it; null = not measured (never 0 by default). */
export interface RuntimeLoad {
  runningRequests: number | null;
  waitingRequests: number | null;
  kvCacheUsage: number | null;
  tokensPerS: number | null;
  p95LatencyMs: number | null;
}

export interface ProbeResult {
  kind: RuntimeKind;
  version: string | null;
  healthy: boolean;
  models: ServedModel[];
  load: RuntimeLoad;
  /** What the probe could not read (a missing /metrics is not a failure). */
  notes: string[];
  /**
   * The runtime's own cumulative token counters, where it exposes them (vLLM's /metrics): kept per
   * probe so usage reconciliation can take their delta over a window.
   */
  tokenCounters?: { promptTokensTotal: number | null; generationTokensTotal: number | null } | null;
}

export interface RuntimeEndpoint {
  baseUrl: string;
  /** From the keychain, only in the main process; never logged. */
  apiKey?: string | null;
}

export interface RuntimeClient {
  readonly kind: RuntimeKind;
  probe(): Promise<ProbeResult>;
  readonly circuit: () => CircuitState;
}

export const EMPTY_LOAD: RuntimeLoad = { runningRequests: null, waitingRequests: null, kvCacheUsage: null, tokensPerS: null, p95LatencyMs: null };
