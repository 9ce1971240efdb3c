import { afterEach, describe, expect, it } from 'vitest';
import { connectRuntime, createRuntimeClient, detectKind } from './client';
import { RuntimeError } from './errors';
import { type FakeRuntime, startFakeOllama, startFakeOpenAi, startFakeTgi, startFakeVllm } from './fake';
import { gauge, parseMetrics, quantile, histogram } from './prometheus';
import { checkRuntimeUrl } from './url-guard';

const open: FakeRuntime[] = [];
async function track<T extends FakeRuntime>(p: Promise<T>): Promise<T> {
  const f = await p;
  open.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

const fast = { attempts: 1, initialDelayMs: 1, maxDelayMs: 5 };

async function fault(p: Promise<unknown>): Promise<RuntimeError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuntimeError);
  return err as RuntimeError;
}

describe('runtime clients against fakes of the documented wire formats', () => {
  it('vLLM (V1 metric names): models with context length, load from /metrics, version', async () => {
    const f = await track(startFakeVllm({ running: 4, waiting: 2, kvCache: 0.61 }));
    expect(await detectKind({ baseUrl: f.url })).toBe('vllm');
    const r = await createRuntimeClient('vllm', { baseUrl: f.url }, fast).probe();
    expect(r).toMatchObject({ kind: 'vllm', version: '0.8.5', healthy: true });
    expect(r.models).toEqual([{ id: 'meta-llama/Llama-3.1-8B-Instruct', family: null, parameterSize: null, quantization: null, contextLength: 131072, loaded: true }]);
    expect(r.load.runningRequests).toBe(4);
    expect(r.load.waitingRequests).toBe(2);
    expect(r.load.kvCacheUsage).toBeCloseTo(0.61);
    // 95th of 100 requests lies in the (0.5, 0.8] bucket at its top: 800 ms.
    expect(r.load.p95LatencyMs).toBe(800);
    expect(r.load.tokensPerS).toBeNull();
  });

  it('the fake vLLM counts what it answered in its prompt and generation counters, as vLLM does (streams too)', async () => {
    const f = await track(startFakeVllm({ generatedTokens: 1000, promptTokens: 500 }, { tokens: 5 }));
    const counters = async () => {
      const m = parseMetrics(await (await fetch(`${f.url}/metrics`)).text());
      return [gauge(m, 'vllm:prompt_tokens_total'), gauge(m, 'vllm:generation_tokens_total')];
    };
    expect(await counters()).toEqual([500, 1000]);
    const chat = (extra: object) =>
      fetch(`${f.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'meta-llama/Llama-3.1-8B-Instruct', messages: [{ role: 'user', content: 'hello there' }], ...extra }),
      });
    const plain = (await (await chat({})).json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(plain.usage.completion_tokens).toBe(5);
    await (await chat({ stream: true, stream_options: { include_usage: true } })).text();
    await (await chat({ stream: true })).text();
    const [prompt, generated] = await counters();
    // Two answers with usage (5 tokens each, their prompt counted) and one stream without: 5 content chunks.
    expect(generated).toBe(1000 + 5 + 5 + 5);
    expect(prompt).toBe(500 + 2 * plain.usage.prompt_tokens);
  });

  it('vLLM (V0 metric names): the older KV-cache gauge is read too; tokens/s from two scrapes', async () => {
    const f = await track(startFakeVllm({ variant: 'v0', kvCache: 0.2, generatedTokens: 1000 }));
    const c = createRuntimeClient('vllm', { baseUrl: f.url }, fast);
    expect((await c.probe()).load.kvCacheUsage).toBeCloseTo(0.2);
    f.options.generatedTokens = 1_000_000;
    const second = await c.probe();
    expect(second.load.tokensPerS).toBeGreaterThan(0);
  });

  it('Ollama: tags with family, size and quantization; context from /api/ps or /api/show; load from /api/ps', async () => {
    const f = await track(
      startFakeOllama({
        models: [
          { name: 'llama3.1:8b', family: 'llama', parameterSize: '8.0B', quantization: 'Q4_K_M', contextLength: 131072, size: 1000, loaded: true, sizeVram: 800 },
          { name: 'qwen2.5:32b', family: 'qwen2', parameterSize: '32.8B', quantization: 'Q4_K_M', contextLength: 32768, size: 2000 },
        ],
      }),
    );
    expect(await detectKind({ baseUrl: f.url })).toBe('ollama');
    const r = await createRuntimeClient('ollama', { baseUrl: f.url }, fast).probe();
    expect(r.version).toBe('0.6.2');
    expect(r.models).toEqual([
      { id: 'llama3.1:8b', family: 'llama', parameterSize: '8.0B', quantization: 'Q4_K_M', contextLength: 131072, loaded: true },
      { id: 'qwen2.5:32b', family: 'qwen2', parameterSize: '32.8B', quantization: 'Q4_K_M', contextLength: 32768, loaded: false },
    ]);
    expect(r.load.runningRequests).toBe(1);
    expect(r.load.kvCacheUsage).toBeCloseTo(0.2);
    expect(f.state.calls.filter((c) => c.path === '/api/show')).toHaveLength(1);
  });

  it('Ollama (older): "models": null is an empty list, not an error', async () => {
    const f = await track(startFakeOllama({ models: [], variant: 'old' }));
    const r = await createRuntimeClient('ollama', { baseUrl: f.url }, fast).probe();
    expect(r.models).toEqual([]);
    expect(r.load.kvCacheUsage).toBeNull();
  });

  it('TGI: /info in its current and older forms, queue and batch from /metrics', async () => {
    for (const variant of ['v3', 'v1'] as const) {
      const f = await track(startFakeTgi({ variant, modelId: 'TheBloke/Mistral-7B-Instruct-v0.2-AWQ', maxTotalTokens: 8192 }));
      expect(await detectKind({ baseUrl: f.url })).toBe('tgi');
      const r = await createRuntimeClient('tgi', { baseUrl: f.url }, fast).probe();
      expect(r.models).toEqual([{ id: 'TheBloke/Mistral-7B-Instruct-v0.2-AWQ', family: null, parameterSize: null, quantization: 'AWQ', contextLength: 8192, loaded: true }]);
      expect(r.load).toMatchObject({ runningRequests: 5, waitingRequests: 2 });
      expect(r.load.p95LatencyMs).toBe(750);
    }
  });

  it('generic OpenAI-compatible: models only, load unmeasured (null, not zero)', async () => {
    const f = await track(startFakeOpenAi(['gpt-oss-20b', 'bge-m3']));
    expect(await detectKind({ baseUrl: f.url })).toBe('openai');
    const r = await createRuntimeClient('openai', { baseUrl: f.url }, fast).probe();
    expect(r.models.map((m) => m.id)).toEqual(['gpt-oss-20b', 'bge-m3']);
    expect(r.load).toEqual({ runningRequests: null, waitingRequests: null, kvCacheUsage: null, tokensPerS: null, p95LatencyMs: null });
  });

  it('sends the API key as a bearer token, and says so plainly when it is refused', async () => {
    const f = await track(startFakeOpenAi(['m'], { apiKey: 'sk-test-123' }));
    expect((await createRuntimeClient('openai', { baseUrl: f.url, apiKey: 'sk-test-123' }, fast).probe()).models).toHaveLength(1);
    const err = await fault(createRuntimeClient('openai', { baseUrl: f.url, apiKey: 'wrong' }, fast).probe());
    expect(err.message).toContain('refused the credentials');
    expect(err.message).not.toContain('wrong');
  });
});

describe('runtime clients: bad runtimes', () => {
  it('a slow runtime times out', async () => {
    const f = await track(startFakeVllm({}, { fault: 'slow', slowMs: 2000, faultPaths: ['/v1/models'] }));
    const { callJson } = await import('./http');
    const { openAiModelsSchema } = await import('./openai');
    const err = await fault(callJson({ baseUrl: f.url }, '/v1/models', openAiModelsSchema, { timeoutMs: 200 }));
    expect(err.fault).toBe('timeout');
  });

  it('malformed, oversized, redirected and refused answers are clear errors', async () => {
    const cases = [
      ['malformed', 'malformed'],
      ['oversized', 'too_large'],
      ['redirect', 'redirect'],
      ['error500', 'http_status'],
    ] as const;
    for (const [kind, expected] of cases) {
      const f = await track(startFakeOpenAi(['m'], { fault: kind }));
      const err = await fault(createRuntimeClient('openai', { baseUrl: f.url }, fast).probe());
      expect(err.fault).toBe(expected);
    }
    const closed = await startFakeOpenAi();
    await closed.close();
    expect((await fault(createRuntimeClient('openai', { baseUrl: closed.url }, fast).probe())).fault).toBe('refused');
  });

  it('JSON of the wrong shape is refused, naming the field', async () => {
    const f = await track(startFakeTgi({ modelId: '' }));
    const err = await fault(createRuntimeClient('tgi', { baseUrl: f.url }, fast).probe());
    expect(err.fault).toBe('malformed');
    expect(err.message).toContain('model_id');
  });

  it('a runtime that lies about its kind is refused', async () => {
    const f = await track(startFakeOllama());
    const err = await fault(connectRuntime({ baseUrl: f.url }, 'vllm', fast));
    expect(err.fault).toBe('wrong_kind');
    expect(err.message).toBe('The endpoint was declared vllm, but it answers as ollama.');
    const t = await track(startFakeTgi({ router: 'something-else' }));
    expect((await fault(createRuntimeClient('tgi', { baseUrl: t.url }, fast).probe())).fault).toBe('wrong_kind');
    const o = await track(startFakeOpenAi(['x']));
    expect((await fault(createRuntimeClient('vllm', { baseUrl: o.url }, fast).probe())).fault).toBe('wrong_kind');
  });

  it('retries a transient failure, then the circuit opens, then half-opens and closes again', async () => {
    const f = await track(startFakeOpenAi(['m'], { fault: 'error500' }));
    const c = createRuntimeClient('openai', { baseUrl: f.url }, { attempts: 2, initialDelayMs: 1, maxDelayMs: 2, breakAfter: 2, halfOpenAfterMs: 150 });
    await fault(c.probe());
    expect(f.state.calls).toHaveLength(2);
    expect(c.circuit()).toBe('closed');
    await fault(c.probe());
    expect(c.circuit()).toBe('open');
    const calls = f.state.calls.length;
    expect((await fault(c.probe())).fault).toBe('circuit_open');
    expect(f.state.calls.length).toBe(calls);
    f.state.fault = 'none';
    await new Promise((r) => setTimeout(r, 200));
    expect(c.circuit()).toBe('half_open');
    expect((await c.probe()).models).toHaveLength(1);
    expect(c.circuit()).toBe('closed');
  });

  it('a non-runtime endpoint is named as such', async () => {
    const f = await track(startFakeOpenAi([], { fault: 'error500', faultPaths: ['/v1/models'] }));
    const err = await fault(detectKind({ baseUrl: f.url }));
    expect(err.fault).toBe('wrong_kind');
  });
});

describe('runtime URL guard', () => {
  it('accepts http(s) base URLs and normalises them', () => {
    expect(checkRuntimeUrl('http://10.0.0.5:8000/')).toBe('http://10.0.0.5:8000');
    expect(checkRuntimeUrl(' https://gpu-7.example.net/vllm/ ')).toBe('https://gpu-7.example.net/vllm');
  });
  it('refuses other schemes, credentials, queries, and the app’s own host', () => {
    for (const bad of ['ftp://x', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'http://u:p@h:1', 'http://h:1/?x=1']) {
      expect(() => checkRuntimeUrl(bad)).toThrow(RuntimeError);
    }
    expect(() => checkRuntimeUrl('http://localhost:4173', { listening: ['127.0.0.1:4173'] })).toThrow('this app’s own host');
    expect(() => checkRuntimeUrl('http://127.0.0.1:4173/', { listening: ['127.0.0.1:4173'] })).toThrow('own host');
    expect(checkRuntimeUrl('http://127.0.0.1:8000', { listening: ['127.0.0.1:4173'] })).toBe('http://127.0.0.1:8000');
  });
});

describe('Prometheus helpers', () => {
  it('interpolates a quantile, and over the difference of two scrapes', () => {
    const f = parseMetrics('# TYPE h histogram\nh_bucket{le="1"} 50\nh_bucket{le="2"} 100\nh_bucket{le="+Inf"} 100\nh_sum 1\nh_count 100\n');
    const h = histogram(f, 'h');
    expect(h && quantile(h, 0.5)).toBe(1);
    expect(h && quantile(h, 0.75)).toBe(1.5);
    expect(h && quantile(h, 0.5, h)).toBeNull();
  });
});
