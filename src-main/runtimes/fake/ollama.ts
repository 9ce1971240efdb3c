/**
 * Ollama as docs.ollama.com/api documents it: /api/version, /api/tags, /api/ps, /api/show,
 * /api/chat (non-streaming), /v1/models, and the OpenAI compatibility
 * endpoints /v1/chat/completions, /v1/completions, /v1/embeddings (docs/openai.md; see openai-wire.ts). Variant "old" answers "models": null for an empty list
 * and omits context_length from /api/ps, as versions before it was added did.
 */
import { openAiInference } from './inference';
import { type FakeRuntime, type FakeState, startFake } from './server';

export interface FakeOllamaModel {
  name: string;
  family: string;
  parameterSize: string;
  quantization: string;
  contextLength: number;
  size: number;
  loaded?: boolean;
  sizeVram?: number;
}

export interface FakeOllamaOptions {
  models?: FakeOllamaModel[];
  variant?: 'current' | 'old';
  version?: string;
}

const details = (m: FakeOllamaModel) => ({ parent_model: '', format: 'gguf', family: m.family, families: [m.family], parameter_size: m.parameterSize, quantization_level: m.quantization });

export async function startFakeOllama(o: FakeOllamaOptions = {}, init: Partial<FakeState> = {}, port = 0): Promise<FakeRuntime & { options: FakeOllamaOptions }> {
  const options: FakeOllamaOptions = {
    models: [{ name: 'llama3.1:8b', family: 'llama', parameterSize: '8.0B', quantization: 'Q4_K_M', contextLength: 131072, size: 4920753328, loaded: true, sizeVram: 4920753328 }],
    variant: 'current',
    version: '0.6.2',
    ...o,
  };
  const list = () => options.models ?? [];
  const fake = await startFake((req, body, state) => {
    const path = (req.url ?? '').split('?')[0];
    const old = options.variant === 'old';
    if (path === '/') return { text: 'Ollama is running' };
    if (path === '/api/version') return { json: { version: options.version } };
    if (path === '/api/tags')
      return {
        json: {
          models: list().length === 0 && old ? null : list().map((m) => ({ name: m.name, model: m.name, modified_at: '2025-10-01T12:00:00.000Z', size: m.size, digest: 'a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a', details: details(m) })),
        },
      };
    if (path === '/api/ps') {
      const loaded = list().filter((m) => m.loaded);
      return {
        json: {
          models:
            loaded.length === 0 && old
              ? null
              : loaded.map((m) => ({
                  name: m.name,
                  model: m.name,
                  size: m.size,
                  digest: 'a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a',
                  details: details(m),
                  expires_at: '2025-10-17T16:47:07.93355-07:00',
                  size_vram: m.sizeVram ?? m.size,
                  ...(old ? {} : { context_length: m.contextLength }),
                })),
        },
      };
    }
    if (path === '/api/show' && req.method === 'POST') {
      const m = list().find((x) => x.name === (body as { model?: string } | null)?.model);
      if (!m) return { status: 404, json: { error: `model '${(body as { model?: string } | null)?.model}' not found` } };
      return { json: { modelfile: '', parameters: '', template: '', details: details(m), model_info: { 'general.architecture': m.family, [`${m.family}.context_length`]: m.contextLength } } };
    }
    if (path === '/api/chat' && req.method === 'POST') {
      const model = (body as { model?: string } | null)?.model ?? '';
      return { json: { model, created_at: '2025-10-01T12:00:00Z', message: { role: 'assistant', content: 'ok (fake Ollama)' }, done: true, done_reason: 'stop', total_duration: 1200000, eval_count: 4 } };
    }
    const inference = openAiInference('ollama', path, req.method, body, state);
    if (inference) return inference;
    if (path === '/v1/models') return { json: { object: 'list', data: list().map((m) => ({ id: m.name, object: 'model', created: 1733400000, owned_by: 'library' })) } };
    return null;
  }, init, port);
  return { ...fake, options };
}
