/**
 * What the gateway needs to know about a request body before routing it: the model, whether it
 * streams, and a rough token estimate for admission. Everything else is passed to the runtime as
 * the client sent it (the runtime validates its own parameters and answers 400 in OpenAI's shape).
 */
import { z } from 'zod';
import type { InferenceEndpoint } from './upstream';

const text = z.union([z.string(), z.array(z.union([z.string(), z.number().int()])).min(1)]);
const common = {
  // Printable and well-formed: the name is metered, and Postgres refuses a NUL or a lone surrogate
  // in JSON, which would leave a whole spool segment undrainable.
  model: z
    .string()
    .min(1)
    .max(300)
    .refine((m) => !/[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(m), 'must be printable text'),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().min(1).max(10_000_000).optional(),
  max_completion_tokens: z.number().int().min(1).max(10_000_000).optional(),
};

export const bodySchemas = {
  'chat.completions': z.looseObject({ ...common, messages: z.array(z.looseObject({ role: z.string().min(1).max(40) })).min(1).max(10_000) }),
  completions: z.looseObject({ ...common, prompt: text }),
  embeddings: z.looseObject({ model: common.model, input: text }),
} satisfies Record<InferenceEndpoint, z.ZodType>;

/** What a request without max_tokens may generate: admitted as such, and sent to the runtime as its limit. */
export const DEFAULT_MAX_TOKENS = 256;

export interface ParsedBody {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  maxTokens: number;
}

export function parseBody(endpoint: InferenceEndpoint, raw: unknown): { ok: true; value: ParsedBody } | { ok: false; message: string; param: string | null } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, message: 'The request body must be a JSON object.', param: null };
  const r = bodySchemas[endpoint].safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const param = first?.path.map(String).join('.') || null;
    return { ok: false, message: `${param ?? 'body'}: ${first?.message ?? 'invalid'}.`, param };
  }
  const data = r.data as Record<string, unknown> & { model: string; stream?: boolean; max_tokens?: number; max_completion_tokens?: number };
  const asked = data.max_completion_tokens ?? data.max_tokens;
  const maxTokens = asked ?? (endpoint === 'embeddings' ? 0 : DEFAULT_MAX_TOKENS);
  // Admission counts maxTokens; without a limit of the client's own a runtime would generate up to
  // its context window (vLLM's default), far past what the token limits admitted. So the runtime
  // is given the admitted figure.
  const body = asked === undefined && endpoint !== 'embeddings' ? { ...data, max_tokens: maxTokens } : data;
  return { ok: true, value: { body, model: data.model, stream: endpoint !== 'embeddings' && data.stream === true, maxTokens } };
}
