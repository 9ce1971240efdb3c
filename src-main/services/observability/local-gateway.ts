import { z } from 'zod';
import type { Response } from '../../../src-shared/contract';

type Local = Response<'observability.gateway'>['local'];

/** What the gateway's /healthz says (src-main/gateway/inference/server.ts); anything else is "not up". */
const healthz = z.object({ status: z.string(), database: z.boolean(), spoolBacklog: z.number().int() });

/**
 * Ask the gateway this process runs whether it answers, live: its /healthz within 2 s. Only the
 * loopback address the process itself started is asked, never an address from a request.
 */
export async function probeLocalGateway(g: { url: string; instance: string; login: string; since: string; simulated: boolean } | null, timeoutMs = 2000): Promise<Local> {
  if (!g) return null;
  try {
    const res = await fetch(`${g.url}/healthz`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    const body = healthz.safeParse(await res.json().catch(() => null));
    if (!body.success) return { ...g, up: false, database: null, spoolBacklog: null, error: `its /healthz answered ${res.status} without the expected figures` };
    return { ...g, up: res.ok, database: body.data.database, spoolBacklog: body.data.spoolBacklog, error: res.ok ? null : `its /healthz answered ${res.status} (${body.data.status})` };
  } catch (err) {
    const e = err as Error;
    return { ...g, up: false, database: null, spoolBacklog: null, error: e.name === 'TimeoutError' ? `no answer from its /healthz within ${timeoutMs / 1000} s` : `its /healthz could not be reached (${e.message})` };
  }
}
