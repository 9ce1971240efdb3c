import { McClientError } from './client';

/**
 * The browser host's bridge gives up on a call after 30 s (ws-bridge.ts); work that runs for
 * minutes (a sign-in waiting for the person, a large evidence export) carries on in the main
 * process, so the page asks again or polls instead of reporting a failure.
 */
export const isCallTimeout = (err: unknown): boolean =>
  err instanceof McClientError && err.code === 'UNAVAILABLE' && err.message.startsWith('The Mission Control host did not answer in time');
