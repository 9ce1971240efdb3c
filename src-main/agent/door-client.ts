import type { IngestOutcome } from '../../src-shared/contract/telemetry';
import type { Batch } from '../services/telemetry';

/** The door's final answer about a batch (accepted, duplicate or refused), or a reason to send it again later. */
export type DoorAnswer = { final: IngestOutcome } | { retryAfterMs: number | null; why: string };

/** Longest wait for one request; past it the batch is sent again (same batch id, counted once). */
const REQUEST_TIMEOUT_MS = 15_000;

/** The batch in the door's native shape (the SQL function's parallel arrays). */
export function doorBody(batch: Batch): string {
  const ts: string[] = [];
  const metric: string[] = [];
  const value: number[] = [];
  for (const s of batch.samples) {
    ts.push(typeof s.ts === 'string' ? s.ts : s.ts.toISOString());
    metric.push(s.metric);
    value.push(s.value);
  }
  return JSON.stringify({ batch_id: batch.batchId, ts, metric, value, ...(batch.agent ? { agent: batch.agent.slice(0, 200) } : {}) });
}

function retryAfterMs(h: string | null): number | null {
  if (h === null) return null;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return Math.min(s, 600) * 1000;
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.min(600_000, Math.max(0, at - Date.now())) : null;
}

/** What a failed fetch says, without the key (it is only ever in a header). */
function networkWhy(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string }; message?: string };
  if (e.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'the door refuses connections (not running?)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was cut';
  return code ?? e.message ?? 'network error';
}

/**
 * POST one batch to the telemetry door (POST /v1/telemetry, the node key as bearer). 200 and the
 * door's refusals (4xx with a code) are final; 429, 5xx and network failures mean "send it again"
 * (with the door's Retry-After when it gave one).
 */
export async function postToDoor(baseUrl: string, batch: Batch, signal?: AbortSignal): Promise<DoorAnswer> {
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    res = await fetch(`${baseUrl}/v1/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${batch.key}` },
      body: doorBody(batch),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    return { retryAfterMs: null, why: networkWhy(err) };
  }
  let body: { status?: string; code?: string; message?: string; accepted?: number; errors?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // A proxy's HTML page, or a cut connection mid-answer: judged by the status alone.
  }
  const wait = retryAfterMs(res.headers.get('retry-after'));
  if (res.status === 429) return { retryAfterMs: wait, why: `the door is busy (${body.code ?? '429'})` };
  if (res.status >= 500) return { retryAfterMs: wait, why: `the door answered ${res.status}${body.code ? ` (${body.code})` : ''}` };
  if (res.status === 200 && (body.status === 'accepted' || body.status === 'duplicate')) {
    return { final: { status: body.status, code: null, message: body.message ?? null, accepted: typeof body.accepted === 'number' ? body.accepted : null } };
  }
  if (res.status >= 400 && res.status < 500) {
    return { final: { status: 'rejected', code: body.code ?? `http_${res.status}`, message: body.message ?? `The door answered ${res.status}.`, accepted: null } };
  }
  // Anything else (a redirect, an unexpected 2xx) is not an acknowledgement: try again later.
  return { retryAfterMs: wait, why: `unexpected answer ${res.status}` };
}
