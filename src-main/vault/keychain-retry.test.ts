/**
 * A keychain call that meets the daemon gone mid-call (the D-Bus error ci49 saw when
 * gnome-keyring aborted during a 400-key rotation) is tried again; a refusal (a locked keyring) is
 * not, and a daemon that stays away fails with its own error after the last pause. The daemon's
 * crash itself cannot be caused on demand, so the calls here replay the library's exact messages.
 */
import { describe, expect, it } from 'vitest';
import { retryTransient } from './keychain';

const GONE = 'Platform failure: DBus error: Message recipient disconnected from message bus without replying';
const NOT_RUNNING = 'Platform failure: DBus error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files';
const NO_COLLECTION_YET = "Couldn't access platform storage: Secret Service: no result found";
const LOCKED = 'Platform failure: DBus error: org.freedesktop.Secret.Error.IsLocked: Cannot create an item in a locked collection';

/** An operation that fails with each message in turn, then answers. */
function failing(messages: string[]) {
  let calls = 0;
  const op = async () => {
    const m = messages[calls++];
    if (m !== undefined) throw new Error(m);
    return 'stored';
  };
  return { op, calls: () => calls };
}

describe('keychain calls across a daemon that went away', () => {
  it('tries again after the daemon disconnected or was not yet back, and answers', async () => {
    const f = failing([GONE, NOT_RUNNING, NO_COLLECTION_YET]);
    await expect(retryTransient(f.op, [1, 1, 1])).resolves.toBe('stored');
    expect(f.calls()).toBe(4);
  });

  it('does not try a refusal again: a locked keyring fails at once with its own words', async () => {
    const f = failing([LOCKED]);
    await expect(retryTransient(f.op, [1, 1, 1])).rejects.toThrow(LOCKED);
    expect(f.calls()).toBe(1);
  });

  it('gives up after the last pause with the daemon’s own error', async () => {
    const f = failing([GONE, GONE, GONE, GONE, GONE]);
    await expect(retryTransient(f.op, [1, 1, 1])).rejects.toThrow(GONE);
    expect(f.calls()).toBe(4);
  });
});
