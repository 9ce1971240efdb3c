import type { Refusal } from './admission';

/** What the admission function says about a refusal, before it is put in a customer's words. */
export interface RefusalFacts {
  refusal: Refusal;
  retryAfterS: number;
  /** The limit that was reached (requests, tokens or concurrent requests). */
  limit: number;
  /** What was already counted against it in the window (or in flight, for concurrency). */
  used: number;
  /** When the window ends (null for concurrency, which has no window). */
  resetsAt: Date | null;
  /** The refused request's own estimate, for the token limits. */
  estimatedTokens: number;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function seconds(n: number): string {
  return n === 1 ? '1 second' : `${n} seconds`;
}

/**
 * The 429 message a customer reads: which limit, how far they are, and when to come back. It
 * names no other customer and nothing internal; the gateway puts it in OpenAI's error shape.
 */
export function refusalMessage(f: RefusalFacts): string {
  const n = (x: number) => x.toLocaleString('en-US');
  switch (f.refusal) {
    case 'requests_per_min':
      return `Rate limit reached: your account may send ${n(f.limit)} requests per minute. Try again in ${seconds(f.retryAfterS)}.`;
    case 'org_requests_per_min':
      return `This service is at its request limit (${n(f.limit)} requests per minute across all its customers). Try again in ${seconds(f.retryAfterS)}.`;
    case 'tokens_per_min':
      return f.estimatedTokens > f.limit
        ? `This request may use up to ${n(f.estimatedTokens)} tokens, more than your limit of ${n(f.limit)} tokens per minute; lower max_tokens or shorten the prompt.`
        : `Token rate limit reached: your account may use ${n(f.limit)} tokens per minute (${n(f.used)} used this minute, this request may use up to ${n(f.estimatedTokens)}). Try again in ${seconds(f.retryAfterS)}.`;
    case 'monthly_quota': {
      const month = f.resetsAt ? new Date(f.resetsAt.getTime() - 1) : null;
      const name = month ? `${MONTHS[month.getUTCMonth()]} ${month.getUTCFullYear()}` : 'this month';
      const resets = f.resetsAt ? ` It resets at ${f.resetsAt.toISOString().replace('.000Z', 'Z')} (UTC).` : '';
      return f.estimatedTokens > f.limit - f.used && f.used < f.limit
        ? `Monthly token quota nearly used: ${n(f.used)} of ${n(f.limit)} tokens used in ${name}, and this request may use up to ${n(f.estimatedTokens)}.${resets}`
        : `Monthly token quota reached: ${n(f.used)} of ${n(f.limit)} tokens used in ${name}.${resets}`;
    }
    case 'concurrency':
      return `Too many requests at once: your account may have ${n(f.limit)} requests in progress. Retry when one of them has finished.`;
  }
}
