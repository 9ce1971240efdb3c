/**
 * The OpenAI wire format as vLLM, Ollama and generic OpenAI-compatible servers speak it, for the
 * fakes: chat completions, completions and embeddings, non-streaming and streaming.
 *
 * Sources: vLLM's "OpenAI-Compatible Server" (docs.vllm.ai/en/latest/serving/openai_compatible_server.html:
 * the Completions, Chat and Embeddings APIs, `stream_options` supported); Ollama's docs/openai.md
 * (github.com/ollama/ollama: /v1/chat/completions, /v1/completions, /v1/embeddings, `stream_options.include_usage`,
 * chunks with "system_fingerprint": "fp_ollama"); OpenAI's API reference, "The chat completion chunk
 * object": server-sent events `data: {...}` of `chat.completion.chunk`, the last one with
 * `"choices": []` and `usage` when `stream_options.include_usage` is true, then `data: [DONE]`.
 *
 * A fake "generates" `tokens` words, one per content chunk (as these runtimes send one token per
 * chunk); prompt tokens are counted as whitespace-separated words of the input, deterministic so
 * tests can check metering exactly.
 */
export type Flavor = 'vllm' | 'ollama' | 'openai';

export interface WireRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  promptTokens: number;
  tokens: number;
}

const words = (v: unknown): number => {
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean).length;
  if (Array.isArray(v)) return v.reduce<number>((n, x) => n + (typeof x === 'number' ? 1 : words(x)), 0);
  if (v && typeof v === 'object') return words((v as { content?: unknown }).content);
  return 0;
};

export function wireRequest(body: unknown, tokens: number): WireRequest {
  const b = (body ?? {}) as { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean }; messages?: unknown; prompt?: unknown; input?: unknown; max_tokens?: number };
  return {
    model: b.model ?? '',
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    promptTokens: words(b.messages ?? b.prompt ?? b.input),
    tokens: Math.min(tokens, b.max_tokens ?? tokens),
  };
}

const CREATED = 1733400000;
const extra = (f: Flavor) => (f === 'ollama' ? { system_fingerprint: 'fp_ollama' } : {});
const usage = (r: WireRequest) => ({ prompt_tokens: r.promptTokens, completion_tokens: r.tokens, total_tokens: r.promptTokens + r.tokens });
export const tokenText = (i: number): string => `tok${i} `;

export function chatCompletion(f: Flavor, id: string, r: WireRequest) {
  const content = Array.from({ length: r.tokens }, (_, i) => tokenText(i)).join('');
  return {
    id,
    object: 'chat.completion',
    created: CREATED,
    model: r.model,
    ...extra(f),
    choices: [{ index: 0, message: { role: 'assistant', content }, ...(f === 'vllm' ? { logprobs: null } : {}), finish_reason: 'stop' }],
    usage: usage(r),
  };
}

export function completion(f: Flavor, id: string, r: WireRequest) {
  return {
    id,
    object: 'text_completion',
    created: CREATED,
    model: r.model,
    ...extra(f),
    choices: [{ index: 0, text: Array.from({ length: r.tokens }, (_, i) => tokenText(i)).join(''), logprobs: null, finish_reason: 'stop' }],
    usage: usage(r),
  };
}

export function embeddings(r: WireRequest, input: unknown) {
  const items = Array.isArray(input) && input.some((x) => typeof x === 'string') ? input : [input];
  return {
    object: 'list',
    data: items.map((_, index) => ({ object: 'embedding', index, embedding: [0.0123, -0.0456, 0.0789, 0.1011] })),
    model: r.model,
    usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
  };
}

/** The SSE events of a streamed chat completion or completion, [DONE] included. */
export function streamEvents(f: Flavor, kind: 'chat' | 'completion', id: string, r: WireRequest): string[] {
  const head = { id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: CREATED, model: r.model, ...extra(f) };
  const choice = (i: number | null, finish: string | null) =>
    kind === 'chat'
      ? { index: 0, delta: i === null ? (finish ? {} : { role: 'assistant', content: '' }) : { content: tokenText(i) }, ...(f === 'vllm' ? { logprobs: null } : {}), finish_reason: finish }
      : { index: 0, text: i === null ? '' : tokenText(i), logprobs: null, finish_reason: finish };
  const events: unknown[] = [];
  if (kind === 'chat') events.push({ ...head, choices: [choice(null, null)] });
  for (let i = 0; i < r.tokens; i++) events.push({ ...head, choices: [choice(i, null)] });
  events.push({ ...head, choices: [choice(null, 'stop')] });
  if (r.includeUsage) events.push({ ...head, choices: [], usage: usage(r) });
  return [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), 'data: [DONE]\n\n'];
}
