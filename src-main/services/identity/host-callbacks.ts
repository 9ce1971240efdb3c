import { McError } from '../../../src-shared/contract/errors';
import type { LoopbackReceiver } from './loopback-receiver';

/**
 * The browser host's redirect receiver. A page served by the host cannot open a system browser,
 * so it goes to the provider itself and comes back to the host's own GET /auth/callback. That
 * route has no page token (the provider's redirect carries none); what makes an answer count is
 * its `state`, a random value only the attempt that built the authorization URL knows. An answer
 * is handed to that attempt once: the entry is gone after it, so a replayed URL finds nothing.
 * The same exchange then checks state, PKCE and nonce, exactly as for the desktop.
 */
interface Waiting {
  deliver(url: URL): void;
}

const waiting = new Map<string, Waiting>();
/** Attempts are bounded (attempts.ts); this bound is a second guard for this map alone. */
const MAX_WAITING = 16;

export type HostCallbackOutcome = 'delivered' | 'unknown';

/** Hand a callback URL to the sign-in its state names; 'unknown' when none waits for it (never started, answered, cancelled, timed out). */
export function deliverHostCallback(url: URL): HostCallbackOutcome {
  const state = url.searchParams.get('state');
  if (!state || state.length > 200) return 'unknown';
  const w = waiting.get(state);
  if (!w) return 'unknown';
  waiting.delete(state);
  w.deliver(url);
  return 'delivered';
}

/** How many sign-ins wait for the host's callback (tests). */
export function waitingHostCallbacks(): number {
  return waiting.size;
}

/**
 * A receiver for one sign-in whose redirect URI is the browser host's /auth/callback, keyed by the
 * attempt's state. Same shape and timeout as the loopback receiver, so the flow is one.
 */
export function openHostCallbackReceiver(redirectUri: string, state: string, opts: { timeoutMs: number }): LoopbackReceiver {
  if (waiting.size >= MAX_WAITING) throw new McError('CONFLICT', 'Too many sign-ins are under way on this host. Finish or cancel one, then sign in again.');
  let settle!: { resolve: (u: URL) => void; reject: (e: Error) => void };
  const callback = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  callback.catch(() => undefined);
  let done = false;
  const finish = (fn: () => void) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (waiting.get(state) === entry) waiting.delete(state);
    fn();
  };
  const entry: Waiting = { deliver: (url) => finish(() => settle.resolve(url)) };
  waiting.set(state, entry);
  const timer = setTimeout(
    () =>
      finish(() =>
        settle.reject(new McError('UNAVAILABLE', `No answer came back from the identity provider within ${Math.round(opts.timeoutMs / 1000)} s. Sign in again, and finish at the provider’s page.`)),
      ),
    opts.timeoutMs,
  );
  timer.unref();
  return {
    redirectUri,
    callback,
    close: async () => finish(() => settle.reject(new McError('CONFLICT', 'The sign-in was cancelled.'))),
  };
}
