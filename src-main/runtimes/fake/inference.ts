/** The inference routes every OpenAI-compatible fake shares (formats in openai-wire.ts). */
import { chatCompletion, completion, embeddings, type Flavor, streamEvents, wireRequest } from './openai-wire';
import type { FakeState, Route } from './server';

let seq = 0;

export function openAiInference(flavor: Flavor, path: string | undefined, method: string | undefined, body: unknown, state: FakeState): ReturnType<Route> {
  if (method !== 'POST') return null;
  const r = wireRequest(body, state.tokens);
  const id = `chatcmpl-${(++seq).toString(16).padStart(8, '0')}`;
  if (path === '/v1/chat/completions') return r.stream ? { sse: streamEvents(flavor, 'chat', id, r) } : { json: chatCompletion(flavor, id, r) };
  if (path === '/v1/completions') return r.stream ? { sse: streamEvents(flavor, 'completion', id.replace('chatcmpl', 'cmpl'), r) } : { json: completion(flavor, id.replace('chatcmpl', 'cmpl'), r) };
  if (path === '/v1/embeddings') return { json: embeddings(r, (body as { input?: unknown } | null)?.input) };
  return null;
}
