import * as oidc from 'openid-client';
import { McError } from '../../../src-shared/contract/errors';
import type { IdentityProviderSettings } from '../../db/profiles';
import { openHostCallbackReceiver } from './host-callbacks';
import { openLoopbackReceiver, type LoopbackReceiver } from './loopback-receiver';
import { signInRefusal } from './refusals';

/** Who the identity provider vouched for, after every check passed. */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  /** Only ever handed to the keychain. */
  refreshToken: string | null;
}

export interface PendingSignIn {
  /** Where to send the browser. Carries state, nonce and the PKCE challenge, never the verifier. */
  authorizationUrl: string;
  redirectUri: string;
  /** Waits for the browser to come back, then exchanges and verifies; rejects with a refusal that says what to fix. */
  result: Promise<VerifiedIdentity>;
  cancel(): Promise<void>;
}

export interface FlowOptions {
  /** How long the loopback receiver waits for the browser (default 5 min). */
  timeoutMs?: number;
  /** Seconds the provider's request may take (default 10). */
  requestTimeoutS?: number;
  /**
   * The browser host's own callback (http://127.0.0.1:PORT/auth/callback): the page goes to the
   * provider itself and the host hands the answer back by its state. Absent: the desktop's
   * loopback receiver on an ephemeral port.
   */
  hostRedirectUri?: string;
}

const isLoopback = (u: URL) => u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';

/**
 * Validate what a person typed as provider settings. HTTPS is required, except for a provider on
 * this machine's loopback (a test provider, a local gateway), which no network attacker can reach.
 */
export function checkProviderSettings(s: IdentityProviderSettings): URL {
  let url: URL;
  try {
    url = new URL(s.issuer);
  } catch {
    throw new McError('VALIDATION', 'The issuer is not a URL.', { issuer: 'Enter the issuer URL, e.g. https://<project>.supabase.co/auth/v1.' });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new McError('VALIDATION', 'The issuer must use https (plain http only for a provider on this machine).', { issuer: 'Use the https:// issuer URL.' });
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new McError('VALIDATION', 'The issuer URL has no query, fragment or credentials.', { issuer: 'Enter only the issuer URL.' });
  }
  return url;
}

async function configure(settings: IdentityProviderSettings, opts: FlowOptions): Promise<oidc.Configuration> {
  const url = checkProviderSettings(settings);
  // openid-client checks the discovered document's "issuer" against this URL exactly: a
  // provider that calls itself something else is refused (wrong issuer).
  return oidc.discovery(url, settings.clientId, undefined, oidc.None(), {
    timeout: opts.requestTimeoutS ?? 10,
    ...(url.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
  });
}

/**
 * Start an authorization code + PKCE sign-in (RFC 8252 for native apps): discover the provider,
 * open the loopback receiver, and build the URL for the system browser. The PKCE verifier, state
 * and nonce stay in this closure; `result` checks all three against what comes back.
 */
export async function startSignIn(settings: IdentityProviderSettings, opts: FlowOptions = {}): Promise<PendingSignIn> {
  const ctx = { issuer: settings.issuer, clientId: settings.clientId };
  let config: oidc.Configuration;
  try {
    config = await configure(settings, opts);
  } catch (err) {
    throw signInRefusal(err, ctx);
  }
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const receiver: LoopbackReceiver = opts.hostRedirectUri ? openHostCallbackReceiver(opts.hostRedirectUri, state, { timeoutMs }) : await openLoopbackReceiver({ timeoutMs });
  const nonce = oidc.randomNonce();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const scope = ['openid', 'email', 'profile', ...(config.serverMetadata().scopes_supported?.includes('offline_access') ? ['offline_access'] : [])].join(' ');
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: receiver.redirectUri,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
    // offline_access needs consent by definition (OIDC core §11).
    ...(scope.includes('offline_access') ? { prompt: 'consent' } : {}),
  }).href;
  const result = (async (): Promise<VerifiedIdentity> => {
    const callbackUrl = await receiver.callback;
    return completeSignIn(config, callbackUrl, { verifier, state, nonce }, ctx);
  })();
  result.catch(() => undefined);
  return { authorizationUrl, redirectUri: receiver.redirectUri, result, cancel: () => receiver.close() };
}

/** Exchange the code and verify the ID token; exported so a replayed callback can be tested as such. */
export async function completeSignIn(
  config: oidc.Configuration,
  callbackUrl: URL,
  checks: { verifier: string; state: string; nonce: string },
  ctx: { issuer: string; clientId: string },
): Promise<VerifiedIdentity> {
  try {
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.verifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new McError('FORBIDDEN', 'The identity provider sent no ID token. Check that the client is set up for OpenID Connect (scope openid).');
    const email = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : null;
    const name = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
    return { issuer: claims.iss, subject: claims.sub, email, name, refreshToken: tokens.refresh_token ?? null };
  } catch (err) {
    throw signInRefusal(err, ctx);
  }
}

/** For tests of the exchange step: the same configuration the flow uses. */
export const discoverForTest = configure;
