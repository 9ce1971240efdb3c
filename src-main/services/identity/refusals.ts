import * as oidc from 'openid-client';
import { McError } from '../../../src-shared/contract/errors';

/**
 * What went wrong in an OpenID Connect sign-in, said so that the person can fix it. The library's
 * own messages name protocol details; these name the setting, the clock or the step to redo. No
 * token, code or provider response body is ever put into a message.
 */
export function signInRefusal(err: unknown, ctx: { issuer: string; clientId: string }): McError {
  if (err instanceof McError) return err;
  const text = describe(err);
  const code = (err as { code?: string }).code ?? '';
  if (err instanceof oidc.AuthorizationResponseError) {
    const e = err.error;
    if (e === 'access_denied') return new McError('FORBIDDEN', 'The identity provider refused the sign-in (access denied). Sign in again and allow Mission Control, or ask your provider’s administrator.');
    return new McError('FORBIDDEN', `The identity provider answered with an error (${safeWord(e)}). Check that client id “${ctx.clientId}” is registered there for a public client with PKCE and the redirect http://127.0.0.1:<any port>/callback.`);
  }
  if (err instanceof oidc.ResponseBodyError) {
    if (err.error === 'invalid_grant') {
      return new McError('FORBIDDEN', 'The identity provider refused the sign-in code: it has expired or was already used (a code works once, for about a minute). Sign in again.');
    }
    if (err.error === 'invalid_client' || err.error === 'unauthorized_client') {
      return new McError('FORBIDDEN', `The identity provider does not accept client id “${ctx.clientId}” for this sign-in. Check the profile’s client id, and that the client is public (no secret) with PKCE.`);
    }
    return new McError('FORBIDDEN', `The identity provider refused the token request (${safeWord(err.error)}). Sign in again; if it persists, check the provider settings of this profile.`);
  }
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' || /timestamp/i.test(text)) {
    return new McError('FORBIDDEN', 'The identity provider’s token is not valid at this workstation’s time: the clocks differ too much (clock skew). Set this computer’s clock right (automatic time / NTP) and sign in again.');
  }
  if (/"state"/.test(text)) {
    return new McError('FORBIDDEN', 'The answer that came back does not belong to the sign-in this workstation started (state mismatch). Nothing was signed in. Start the sign-in again from Mission Control, and only finish it in the window it opens.');
  }
  if (/nonce/i.test(text)) {
    return new McError('FORBIDDEN', 'The identity provider’s token was not issued for this sign-in attempt (nonce mismatch). Nothing was signed in. Start the sign-in again from Mission Control.');
  }
  if (/"aud"|audience/i.test(text)) {
    return new McError('FORBIDDEN', `The identity provider’s token was issued for another application, not for client id “${ctx.clientId}” (audience mismatch). Check the profile’s client id against the provider’s.`);
  }
  if (/"iss"|issuer/i.test(text) || code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    return new McError('VALIDATION', `The provider at ${ctx.issuer} says it is a different issuer (wrong issuer). Copy the issuer URL exactly as the provider publishes it (its “issuer” in /.well-known/openid-configuration, trailing slash included).`, { issuer: 'The exact issuer URL of your identity provider.' });
  }
  if (err instanceof TypeError || /fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timed? ?out|aborted/i.test(text) || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
    return new McError('UNAVAILABLE', `The identity provider at ${ctx.issuer} could not be reached or did not answer as an OpenID provider (provider unreachable). Check the issuer URL and this workstation’s network, then sign in again.`);
  }
  return new McError('FORBIDDEN', `The sign-in could not be verified (${code || 'unexpected answer'}). Nothing was signed in. Sign in again; if it persists, check the provider settings of this profile.`);
}

/** The error text and its causes, for classification only (never shown). */
function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const x = e as { message?: string; code?: string; cause?: unknown };
    if (x.message) parts.push(x.message);
    if (x.code) parts.push(x.code);
    const cause = x.cause as { claim?: string; attribute?: string } | undefined;
    if (cause && typeof cause === 'object' && (cause.claim || cause.attribute)) parts.push(`"${cause.claim ?? cause.attribute}"`);
    e = x.cause;
  }
  return parts.join(' | ');
}

/** An OAuth error code is a short token; anything else is not echoed. */
function safeWord(v: unknown): string {
  return typeof v === 'string' && /^[a-z_]{1,40}$/.test(v) ? v : 'unknown error';
}
