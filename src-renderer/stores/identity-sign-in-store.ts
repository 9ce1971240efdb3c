import { create } from 'zustand';
import type { Role } from '../../src-shared/contract/roles';
import { McClientError, call, errorText } from '../bridge/client';
import { isCallTimeout } from '../bridge/call-timeout';

/**
 * A sign-in with the identity provider, as the page sees it. The tokens, the PKCE verifier, state
 * and nonce never come here: the page only holds the attempt id and the provider's URL.
 *
 * On the desktop the system browser opens and this page waits (signInFinish) with a Cancel. The
 * browser host's page goes to the provider itself and comes back through the host's
 * /auth/callback; the attempt id waits in sessionStorage (this tab only) to be finished on return.
 */
export type SignInPhase =
  | { kind: 'idle' }
  | { kind: 'starting'; issuerHost: string }
  | { kind: 'leaving'; issuerHost: string }
  | { kind: 'waiting'; issuerHost: string; attemptId: string; authorizationUrl: string; openedInSystemBrowser: boolean };

export type SignInOutcome =
  | { kind: 'signed-in'; email: string; orgName: string; role: Role }
  | { kind: 'refused'; message: string; requestId?: string | undefined }
  | { kind: 'cancelled' };

interface Pending {
  attemptId: string;
  issuerHost: string;
  authorizationUrl: string;
}

const PENDING_KEY = 'mc.identity.signIn';

function readPending(): Pending | null {
  try {
    const raw = sessionStorage.getItem(PENDING_KEY);
    if (!raw) return null;
    const p = JSON.parse(raw) as Partial<Pending>;
    return typeof p.attemptId === 'string' && typeof p.issuerHost === 'string' && typeof p.authorizationUrl === 'string' ? (p as Pending) : null;
  } catch {
    return null;
  }
}


export function issuerHostOf(issuer: string): string {
  try {
    return new URL(issuer).host;
  } catch {
    return issuer;
  }
}

interface SignInState {
  phase: SignInPhase;
  outcome: SignInOutcome | null;
  start(profileId: string, issuer: string, invitationCode?: string): Promise<void>;
  /** After the browser host's page came back from the provider: finish the sign-in it started. */
  resume(): Promise<void>;
  cancel(): Promise<void>;
  dismiss(): void;
}

export const useSignIn = create<SignInState>((set, get) => {
  const wait = async (attemptId: string): Promise<void> => {
    for (;;) {
      try {
        const who = await call('identity.signInFinish', { attemptId });
        if (get().phase.kind === 'waiting') set({ phase: { kind: 'idle' }, outcome: { kind: 'signed-in', ...who } });
        return;
      } catch (err) {
        const phase = get().phase;
        // Cancelled here: the main process ended the wait; that is not a refusal.
        if (phase.kind !== 'waiting' || phase.attemptId !== attemptId) return;
        if (isCallTimeout(err)) continue;
        set({ phase: { kind: 'idle' }, outcome: { kind: 'refused', message: errorText(err), requestId: err instanceof McClientError ? err.requestId : undefined } });
        return;
      }
    }
  };

  return {
    phase: { kind: 'idle' },
    outcome: null,

    async start(profileId, issuer, invitationCode) {
      if (get().phase.kind !== 'idle') return;
      const issuerHost = issuerHostOf(issuer);
      set({ phase: { kind: 'starting', issuerHost }, outcome: null });
      let started;
      try {
        started = await call('identity.signInStart', { profileId, ...(invitationCode ? { invitationCode } : {}) });
      } catch (err) {
        set({ phase: { kind: 'idle' }, outcome: { kind: 'refused', message: errorText(err), requestId: err instanceof McClientError ? err.requestId : undefined } });
        return;
      }
      if (started.returnsToThisPage) {
        sessionStorage.setItem(PENDING_KEY, JSON.stringify({ attemptId: started.attemptId, issuerHost, authorizationUrl: started.authorizationUrl } satisfies Pending));
        set({ phase: { kind: 'leaving', issuerHost } });
        window.location.assign(started.authorizationUrl);
        return;
      }
      set({ phase: { kind: 'waiting', issuerHost, attemptId: started.attemptId, authorizationUrl: started.authorizationUrl, openedInSystemBrowser: started.openedInSystemBrowser } });
      await wait(started.attemptId);
    },

    async resume() {
      const pending = readPending();
      if (!pending || get().phase.kind !== 'idle') return;
      // Taken once: a reload while finishing must not start a second wait on a spent attempt.
      sessionStorage.removeItem(PENDING_KEY);
      set({ phase: { kind: 'waiting', issuerHost: pending.issuerHost, attemptId: pending.attemptId, authorizationUrl: pending.authorizationUrl, openedInSystemBrowser: false }, outcome: null });
      await wait(pending.attemptId);
    },

    async cancel() {
      const phase = get().phase;
      if (phase.kind !== 'waiting') return;
      set({ phase: { kind: 'idle' }, outcome: { kind: 'cancelled' } });
      await call('identity.signInCancel', { attemptId: phase.attemptId }).catch(() => undefined);
    },

    dismiss() {
      set({ outcome: null });
    },
  };
});
