import type { IncomingMessage, ServerResponse } from 'node:http';
import { deliverHostCallback } from '../services/identity/host-callbacks';
import { SECURITY_HEADERS } from './static-files';

/** The browser host's redirect path: allow-list http://127.0.0.1:PORT/auth/callback at the provider. */
export const AUTH_CALLBACK_PATH = '/auth/callback';
/** A provider's answer is a code, a state and an issuer: a few hundred bytes. Anything longer is not one. */
export const MAX_CALLBACK_URL = 4096;
/** Answers per minute: a person signs in a few times an hour; a flood is someone guessing states. */
export const CALLBACK_RATE_PER_MINUTE = 30;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A plain page: never the code, the state or the token; where the person should go next. */
function page(res: ServerResponse, status: number, title: string, text: string, refreshTo?: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  const refresh = refreshTo ? `<meta http-equiv="refresh" content="0;url=${escape(refreshTo)}">` : '';
  res.end(
    `<!doctype html><html lang="en"><meta charset="utf-8">${refresh}<title>${escape(title)}</title><body><h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="/#/connections">Return to Mission Control</a></p></body></html>`,
  );
}

/**
 * A fixed one-minute window over all callers. The host listens on 127.0.0.1 only, so every caller
 * is this machine: one counter is the honest unit, and a few lines say it better than a library.
 */
export class CallbackRate {
  private windowStart = 0;
  private count = 0;
  constructor(
    private readonly perMinute = CALLBACK_RATE_PER_MINUTE,
    private readonly now: () => number = Date.now,
  ) {}
  allow(): boolean {
    const t = this.now();
    if (t - this.windowStart >= 60_000) {
      this.windowStart = t;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= this.perMinute;
  }
}

/**
 * GET /auth/callback: the identity provider's answer to a sign-in the page started. It needs no
 * page token (a provider's redirect carries none): the state names the attempt, and that attempt
 * alone holds the PKCE verifier and nonce its exchange checks. The answer is handed over once;
 * the page then goes back into the app, which finishes the sign-in over its WebSocket and shows
 * the result. Nothing of the request is logged.
 */
export function handleAuthCallback(req: IncomingMessage, res: ServerResponse, url: URL, rate: CallbackRate): void {
  if (!rate.allow()) {
    return page(res, 429, 'Too many sign-in answers', 'This Mission Control received too many sign-in answers in the last minute. Wait a minute, then sign in again from Mission Control.');
  }
  if ((req.url ?? '').length > MAX_CALLBACK_URL) {
    return page(res, 414, 'Not a sign-in answer', 'This address is far longer than an identity provider’s answer. Nothing was signed in. Sign in again from Mission Control.');
  }
  if (deliverHostCallback(url) === 'unknown') {
    return page(
      res,
      400,
      'This sign-in is not under way',
      'This answer does not belong to any sign-in under way on this Mission Control: it was already used, cancelled, or timed out, or it was started elsewhere. Nothing was signed in. Return to Mission Control and sign in again.',
    );
  }
  return page(res, 200, 'Returning to Mission Control', 'The identity provider answered. Mission Control now checks the answer and says whether you are signed in.', '/#/connections');
}
