import { describe, expect, it } from 'vitest';
import { deliverHostCallback, openHostCallbackReceiver, waitingHostCallbacks } from './host-callbacks';

const answer = (state: string) => new URL(`http://127.0.0.1:1/auth/callback?code=c0de&state=${state}`);

describe('the browser host’s callback receivers', () => {
  it('hand an answer to the sign-in its state names, once', async () => {
    const r = openHostCallbackReceiver('http://127.0.0.1:1/auth/callback', 'state-a', { timeoutMs: 60_000 });
    expect(r.redirectUri).toBe('http://127.0.0.1:1/auth/callback');
    expect(deliverHostCallback(answer('state-b'))).toBe('unknown');
    expect(deliverHostCallback(answer('state-a'))).toBe('delivered');
    expect((await r.callback).searchParams.get('code')).toBe('c0de');
    expect(deliverHostCallback(answer('state-a'))).toBe('unknown');
    expect(waitingHostCallbacks()).toBe(0);
  });

  it('stop waiting when the time is up, saying so; a late answer finds nothing', async () => {
    const r = openHostCallbackReceiver('http://127.0.0.1:1/auth/callback', 'state-late', { timeoutMs: 20 });
    await expect(r.callback).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('No answer came back from the identity provider') });
    expect(deliverHostCallback(answer('state-late'))).toBe('unknown');
    expect(waitingHostCallbacks()).toBe(0);
  });

  it('stop waiting when cancelled; an answer without a state, or with an absurd one, is nobody’s', async () => {
    const r = openHostCallbackReceiver('http://127.0.0.1:1/auth/callback', 'state-c', { timeoutMs: 60_000 });
    expect(deliverHostCallback(new URL('http://127.0.0.1:1/auth/callback?code=x'))).toBe('unknown');
    expect(deliverHostCallback(answer('s'.repeat(500)))).toBe('unknown');
    await r.close();
    await expect(r.callback).rejects.toMatchObject({ code: 'CONFLICT', message: 'The sign-in was cancelled.' });
    expect(deliverHostCallback(answer('state-c'))).toBe('unknown');
  });

  it('refuse to hold more than a handful at once', () => {
    const held = Array.from({ length: 16 }, (_, i) => openHostCallbackReceiver('u', `many-${i}`, { timeoutMs: 60_000 }));
    expect(() => openHostCallbackReceiver('u', 'one-more', { timeoutMs: 60_000 })).toThrow(/Too many sign-ins/);
    for (const h of held) void h.close();
    expect(waitingHostCallbacks()).toBe(0);
  });
});
