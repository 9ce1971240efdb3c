import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY, nextChangeIn, parseSessionPolicy, sessionState } from './session-policy';

const T0 = '2026-12-05T08:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const times = (over: Partial<{ lastInputAt: string; lockedAt: string | null }> = {}) => ({ signedInAt: T0, lastInputAt: T0, lockedAt: null, ...over });

describe('session policy', () => {
  it('defaults to 12 hours and a 15 minute idle lock', () => {
    expect(parseSessionPolicy({})).toEqual({ ok: true, policy: DEFAULT_SESSION_POLICY });
    expect(DEFAULT_SESSION_POLICY.maxHours).toBe(12);
    expect(parseSessionPolicy({ maxHours: 8, idleMinutes: null })).toEqual({ ok: true, policy: { maxHours: 8, idleMinutes: null } });
  });

  it('refuses out-of-range or non-integer settings, naming the field', () => {
    expect(parseSessionPolicy({ maxHours: 0 })).toMatchObject({ ok: false, field: 'maxHours', message: expect.stringContaining('from 1 to 72') });
    expect(parseSessionPolicy({ maxHours: 12.5 })).toMatchObject({ ok: false, field: 'maxHours' });
    expect(parseSessionPolicy({ maxHours: '12' })).toMatchObject({ ok: false, field: 'maxHours' });
    expect(parseSessionPolicy({ idleMinutes: 241 })).toMatchObject({ ok: false, field: 'idleMinutes', message: expect.stringContaining('or off') });
    expect(parseSessionPolicy({ idleMinutes: 0 })).toMatchObject({ ok: false, field: 'idleMinutes' });
  });

  it('is active until the idle time passes, then locked from the moment it passed', () => {
    const p = { maxHours: 12, idleMinutes: 10 };
    expect(sessionState(times({ lastInputAt: at(5) }), p, at(14))).toEqual({ state: 'active', expiresAt: at(720), locksAt: at(15) });
    expect(sessionState(times({ lastInputAt: at(5) }), p, at(15))).toEqual({ state: 'locked', expiresAt: at(720), since: at(15) });
  });

  it('stays locked once locked, whatever the input time says, until unlocked', () => {
    const p = { maxHours: 12, idleMinutes: 10 };
    expect(sessionState(times({ lastInputAt: at(30), lockedAt: at(20) }), p, at(31))).toEqual({ state: 'locked', expiresAt: at(720), since: at(20) });
  });

  it('expires at sign-in plus the session length, locked or not', () => {
    const p = { maxHours: 12, idleMinutes: 10 };
    expect(sessionState(times({ lastInputAt: at(719) }), p, at(720))).toEqual({ state: 'expired', since: at(720) });
    expect(sessionState(times({ lockedAt: at(100) }), p, at(800))).toEqual({ state: 'expired', since: at(720) });
  });

  it('never idle-locks when the idle lock is off, and still expires', () => {
    const p = { maxHours: 1, idleMinutes: null };
    expect(sessionState(times(), p, at(59))).toEqual({ state: 'active', expiresAt: at(60), locksAt: null });
    expect(sessionState(times(), p, at(60)).state).toBe('expired');
  });

  it('does not let input stamped in the future postpone the lock', () => {
    const p = { maxHours: 12, idleMinutes: 10 };
    expect(sessionState(times({ lastInputAt: at(500) }), p, at(20))).toMatchObject({ state: 'active', locksAt: at(30) });
  });

  it('says when to look again: the lock, else the expiry, never past the expiry', () => {
    expect(nextChangeIn(times({ lastInputAt: at(5) }), { maxHours: 12, idleMinutes: 10 }, at(10))).toBe(5 * 60_000);
    expect(nextChangeIn(times({ lastInputAt: at(715) }), { maxHours: 12, idleMinutes: 10 }, at(716))).toBe(4 * 60_000);
    expect(nextChangeIn(times({ lockedAt: at(20) }), { maxHours: 12, idleMinutes: 10 }, at(30))).toBe(690 * 60_000);
    expect(nextChangeIn(times(), { maxHours: 1, idleMinutes: null }, at(61))).toBeNull();
  });

  it('refuses a time that is not a time', () => {
    expect(() => sessionState({ signedInAt: 'yesterday', lastInputAt: T0, lockedAt: null }, DEFAULT_SESSION_POLICY, T0)).toThrow('Not a time: yesterday');
  });
});
