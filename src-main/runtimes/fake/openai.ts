/** A plain OpenAI-compatible server (OpenAI API reference, "List models", "Chat", "Completions", "Embeddings"): /v1/models and inference (openai-wire.ts). */
import { openAiInference } from './inference';
import { type FakeRuntime, type FakeState, startFake } from './server';

export async function startFakeOpenAi(models: string[] = ['gpt-oss-20b'], init: Partial<FakeState> = {}): Promise<FakeRuntime> {
  return startFake((req, body, state) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const inference = openAiInference('openai', path, req.method, body, state);
    if (inference) return inference;
    if (path === '/v1/models') return { json: { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1733400000, owned_by: 'organization-owner' })) } };
    return null;
  }, init);
}
