/**
 * What the gateway asks before it serves a customer request, and tells after it ended. The
 * implementation keeps its counters in Postgres so that several gateway instances on one database
 * share one set of limits (issue 13: "limits that hold under concurrency and across several
 * gateway instances"). Limits come from mc.customers (requests_per_min, tokens_per_min,
 * monthly_token_quota, max_concurrency; null = the org default) and the org's own request rate.
 */
export type Refusal = 'requests_per_min' | 'tokens_per_min' | 'monthly_quota' | 'concurrency' | 'org_requests_per_min';

export type Admission =
  /** Served may go ahead; `lease` names the concurrency slot to give back in settle(). */
  | { ok: true; lease: string | null }
  /** Refused: the gateway answers 429 with Retry-After: retryAfterS and this message. */
  | { ok: false; refusal: Refusal; retryAfterS: number; message: string };

export interface AdmissionRequest {
  orgId: string;
  customerId: string;
  requestId: string;
  /** The gateway's estimate before serving (prompt size + max_tokens); settle() corrects it. */
  estimatedTokens: number;
}

export interface Limiter {
  admit(req: AdmissionRequest): Promise<Admission>;
  /** After the request ended, served or not: the tokens really used, and the slot freed. */
  settle(req: AdmissionRequest & { lease: string | null; tokens: number }): Promise<void>;
}

/** No limits at all: for tests of other parts and for a gateway run with --no-limits. */
export const unlimited: Limiter = {
  admit: async () => ({ ok: true, lease: null }),
  settle: async () => undefined,
};
