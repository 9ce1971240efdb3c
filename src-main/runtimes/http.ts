/**
 * One bounded HTTP GET/POST to a runtime: a timeout, no redirects followed (a runtime that
 * redirects elsewhere is refused, not trusted), a cap on the body, and JSON checked against a
 * schema before anything uses it.
 */
import type { z } from 'zod';
import { RuntimeError } from './errors';
import type { RuntimeEndpoint } from './types';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 5000;

export interface CallOptions {
  timeoutMs?: number;
  maxBytes?: number;
  method?: 'GET' | 'POST';
  body?: unknown;
  signal?: AbortSignal;
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

async function readCapped(res: Response, maxBytes: number, path: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new RuntimeError('too_large', `${path} answered ${declared} bytes; more than the ${maxBytes}-byte limit.`);
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new RuntimeError('too_large', `${path} answered more than the ${maxBytes}-byte limit.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function callText(ep: RuntimeEndpoint, path: string, opts: CallOptions = {}): Promise<{ status: number; text: string }> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9' };
  if (ep.apiKey) headers.authorization = `Bearer ${ep.apiKey}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(join(ep.baseUrl, path), {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new RuntimeError('timeout', `${path} did not answer within ${timeoutMs} ms.`);
    const code = e.cause?.code ?? '';
    throw new RuntimeError('refused', `${path} could not be reached${code ? ` (${code})` : ''}. Check the address and that the runtime is running.`);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new RuntimeError('redirect', `${path} redirected elsewhere (HTTP ${res.status}); give the runtime's own address.`);
  }
  try {
    const text = await readCapped(res, opts.maxBytes ?? MAX_BODY_BYTES, path);
    return { status: res.status, text };
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    const e = err as Error;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new RuntimeError('timeout', `${path} did not finish its answer within ${timeoutMs} ms.`);
    throw new RuntimeError('refused', `${path} broke off its answer.`);
  }
}

export async function callJson<S extends z.ZodType>(ep: RuntimeEndpoint, path: string, schema: S, opts: CallOptions = {}): Promise<z.output<S>> {
  const { status, text } = await callText(ep, path, opts);
  if (status === 401 || status === 403) throw new RuntimeError('http_status', `${path} refused the credentials (HTTP ${status}); check the runtime's API key.`);
  if (status < 200 || status >= 300) throw new RuntimeError('http_status', `${path} answered HTTP ${status}.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RuntimeError('malformed', `${path} did not answer JSON.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new RuntimeError('malformed', `${path} answered JSON of an unexpected shape (${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'invalid'}).`);
  }
  return parsed.data;
}
