/**
 * Reads an OpenAI-style server-sent event stream as it passes through, without changing it: the
 * `usage` object of the final chunk (sent when the request asked for stream_options.include_usage)
 * and, for an estimate if the stream is cut before that chunk, how many chunks carried content
 * (vLLM, Ollama and TGI send one token per content chunk).
 */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export function usageOf(v: unknown): Usage | null {
  const u = (v as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  if (!u || typeof u.prompt_tokens !== 'number') return null;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  if (!Number.isInteger(u.prompt_tokens) || !Number.isInteger(completion) || u.prompt_tokens < 0 || completion < 0) return null;
  return { prompt_tokens: u.prompt_tokens, completion_tokens: completion };
}

export class SseMeter {
  usage: Usage | null = null;
  contentChunks = 0;
  done = false;
  private rest = '';

  push(chunk: Buffer): void {
    const text = this.rest + chunk.toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    // A line longer than this is not an event we meter; drop it rather than grow without bound.
    if (this.rest.length > 1_000_000) this.rest = '';
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') {
        this.done = true;
        continue;
      }
      let ev: unknown;
      try {
        ev = JSON.parse(data);
      } catch {
        continue;
      }
      const u = usageOf(ev);
      if (u) this.usage = u;
      const choices = (ev as { choices?: { delta?: { content?: unknown }; text?: unknown }[] }).choices;
      if (Array.isArray(choices) && choices.some((c) => (typeof c.delta?.content === 'string' && c.delta.content !== '') || (typeof c.text === 'string' && c.text !== ''))) this.contentChunks++;
    }
  }
}

/** Rough prompt size when a runtime gave no usage: four characters a token, as OpenAI's rule of thumb. */
export function estimatePromptTokens(body: Record<string, unknown>): number {
  const text = JSON.stringify(body.messages ?? body.prompt ?? body.input ?? '');
  return Math.ceil(text.length / 4);
}
