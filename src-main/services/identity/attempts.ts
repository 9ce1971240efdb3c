import { randomUUID } from 'node:crypto';
import { McError } from '../../../src-shared/contract/errors';
import type { DatabaseManager } from '../../db';
import { type FlowOptions, type PendingSignIn, startSignIn } from './oidc-flow';
import { acceptInvitation } from './invitations';
import { type LinkedMember, type ProvenIdentity, recordSignIn } from './sign-in';

/**
 * Opens a URL in the operating system's browser. The Electron shell registers one (shell.openExternal);
 * the browser host has none, and hands the URL to the page instead. Kept here, not in app/, so the
 * flow is the same whichever shell runs it.
 */
export type SystemBrowserOpener = (url: string) => Promise<void>;
let opener: SystemBrowserOpener | null = null;
export function setSystemBrowserOpener(fn: SystemBrowserOpener | null): void {
  opener = fn;
}

interface Attempt {
  profileId: string;
  invitationCode: string | null;
  pending: PendingSignIn;
  /** Set by the first finish: a page that asks again (its call timed out, it was reloaded) waits on the same one, never signs in twice. */
  finishing?: Promise<LinkedMember>;
}

/** Sign-ins under way, by attempt id: the PKCE verifier, state and nonce never leave this process. */
const attempts = new Map<string, Attempt>();
const MAX_ATTEMPTS = 4;

export async function beginSignIn(
  db: DatabaseManager,
  input: { profileId: string; invitationCode?: string | undefined },
  opts: FlowOptions = {},
): Promise<{ attemptId: string; authorizationUrl: string; openedInSystemBrowser: boolean; returnsToThisPage: boolean }> {
  const profile = db.profileStore.get(input.profileId);
  if (!profile) throw new McError('NOT_FOUND', `There is no connection profile "${input.profileId}".`);
  const provider = db.profileStore.identityProvider(profile.id);
  if (!provider) {
    throw new McError('VALIDATION', `Profile “${profile.name}” has no identity provider set. Set its issuer and client id in Connections → Sign-in first.`, { issuer: 'Set the identity provider of this profile.' });
  }
  // Only a handful at once: each holds a listening port until it is answered or times out.
  if (attempts.size >= MAX_ATTEMPTS) {
    const oldest = attempts.keys().next().value;
    if (oldest) await cancelSignIn(oldest);
  }
  const pending = await startSignIn(provider, opts);
  const attemptId = randomUUID();
  attempts.set(attemptId, { profileId: profile.id, invitationCode: input.invitationCode ?? null, pending });
  // Forget it once answered or timed out, whatever the outcome.
  pending.result.finally(() => setTimeout(() => attempts.delete(attemptId), 60_000).unref()).catch(() => undefined);
  // The browser host's page goes to the provider itself and comes back to the host: no system browser.
  if (opts.hostRedirectUri) return { attemptId, authorizationUrl: pending.authorizationUrl, openedInSystemBrowser: false, returnsToThisPage: true };
  let opened = false;
  if (opener) {
    try {
      await opener(pending.authorizationUrl);
      opened = true;
    } catch {
      // The URL is shown for the person to open by hand.
    }
  }
  return { attemptId, authorizationUrl: pending.authorizationUrl, openedInSystemBrowser: opened, returnsToThisPage: false };
}

/**
 * Wait for the provider's answer and finish: verify (state, nonce, PKCE, issuer, audience, time),
 * then, on the owner connection in one transaction, accept the invitation or find the linked
 * membership, make that member's login and record the sign-in. Nothing is signed in otherwise.
 */
export async function finishSignIn(db: DatabaseManager, attemptId: string): Promise<LinkedMember> {
  const attempt = attempts.get(attemptId);
  if (!attempt) throw new McError('NOT_FOUND', 'That sign-in is not under way here (it was finished, cancelled or timed out). Start the sign-in again.');
  attempt.finishing ??= (async () => {
    try {
      const who = await attempt.pending.result;
      const out: { member?: LinkedMember } = {};
      await db.signInWith(
        attempt.profileId,
        async (owner) => {
          out.member = attempt.invitationCode ? await acceptInvitation(owner, attempt.invitationCode, who, 'oidc') : await recordSignIn(owner, who, 'oidc');
          return out.member;
        },
        { refreshToken: who.refreshToken },
      );
      if (!out.member) throw new Error('sign-in finished without a member');
      return out.member;
    } finally {
      attempts.delete(attemptId);
    }
  })();
  return attempt.finishing;
}

export async function cancelSignIn(attemptId: string): Promise<boolean> {
  const attempt = attempts.get(attemptId);
  if (!attempt) return false;
  attempts.delete(attemptId);
  await attempt.pending.cancel();
  return true;
}

/**
 * Wait for a started sign-in's answer and return the identity the provider vouched for, without
 * signing anybody in (unlocking a locked screen: the caller compares it with the locked operator).
 * The same checks as a sign-in (state, nonce, PKCE, issuer, audience, time); used once.
 */
export async function verifiedIdentityOf(attemptId: string): Promise<{ profileId: string; who: ProvenIdentity }> {
  const attempt = attempts.get(attemptId);
  if (!attempt) throw new McError('NOT_FOUND', 'That sign-in is not under way here (it was finished, cancelled or timed out). Start it again.');
  try {
    return { profileId: attempt.profileId, who: await attempt.pending.result };
  } finally {
    attempts.delete(attemptId);
  }
}
