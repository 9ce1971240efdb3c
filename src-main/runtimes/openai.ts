/**
 * Any OpenAI-compatible server: GET /v1/models answers {"object":"list","data":[{"id","object":"model","created","owned_by"}]}
 * (OpenAI API reference, "List models"). vLLM adds max_model_len and root to each entry; others
 * add nothing, so every extra field is optional.
 */
import { z } from 'zod';
import { callJson } from './http';

export const openAiModelsSchema = z.object({
  object: z.literal('list').optional(),
  data: z
    .array(
      z.looseObject({
        id: z.string().min(1).max(300),
        object: z.string().optional(),
        owned_by: z.string().nullish(),
        max_model_len: z.number().int().positive().nullish(),
        root: z.string().nullish(),
      }),
    )
    .max(10_000),
});
export type OpenAiModels = z.infer<typeof openAiModelsSchema>;

export async function listOpenAiModels(ep: Parameters<typeof callJson>[0], signal?: AbortSignal): Promise<OpenAiModels> {
  return callJson(ep, '/v1/models', openAiModelsSchema, { signal });
}
