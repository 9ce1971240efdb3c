/**
 * When an operator's session on this workstation must end or lock, computed from three instants and
 * the policy, with no clock of its own: the main process and the renderer ask it with `now`, and
 * tests ask it with any instant they like.
 *
 * - Expiry: a session lives at most `maxHours` from sign-in (default 12 h, one long shift); after
 *   that the operator signs in again.
 * - Idle lock: with no input for `idleMinutes` the screen locks; unlocking needs the operator to
 *   prove themselves again the way they signed in. The session itself stays (a lock is not a
 *   sign-out), and expiry still applies while locked.
 *
 * Not wired into the app yet (issue 10, sessions): the lock screen and "Lock and hand over" use it.
 */

export interface SessionPolicy {
  /** Hours from sign-in until the session expires; 1..72. */
  maxHours: number;
  /** Minutes without input until the screen locks; 1..240, or null: never lock when idle. */
  idleMinutes: number | null;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { maxHours: 12, idleMinutes: 15 };

export const SESSION_LIMITS = { maxHours: { min: 1, max: 72 }, idleMinutes: { min: 1, max: 240 } } as const;

export type SessionState =
  | { state: 'active'; expiresAt: string; locksAt: string | null }
  | { state: 'locked'; expiresAt: string; since: string }
  | { state: 'expired'; since: string };

export interface SessionTimes {
  signedInAt: string;
  lastInputAt: string;
  /** Set when the screen locked (idle or by hand) and not unlocked since. */
  lockedAt: string | null;
}

/** A policy from settings, or why it is refused (the settings form shows the message). */
export function parseSessionPolicy(input: { maxHours?: unknown; idleMinutes?: unknown }): { ok: true; policy: SessionPolicy } | { ok: false; field: keyof SessionPolicy; message: string } {
  const maxHours = input.maxHours ?? DEFAULT_SESSION_POLICY.maxHours;
  const idleMinutes = input.idleMinutes === undefined ? DEFAULT_SESSION_POLICY.idleMinutes : input.idleMinutes;
  const { maxHours: h, idleMinutes: m } = SESSION_LIMITS;
  if (typeof maxHours !== 'number' || !Number.isInteger(maxHours) || maxHours < h.min || maxHours > h.max) {
    return { ok: false, field: 'maxHours', message: `Session length must be a whole number of hours from ${h.min} to ${h.max}.` };
  }
  if (idleMinutes !== null && (typeof idleMinutes !== 'number' || !Number.isInteger(idleMinutes) || idleMinutes < m.min || idleMinutes > m.max)) {
    return { ok: false, field: 'idleMinutes', message: `Idle lock must be a whole number of minutes from ${m.min} to ${m.max}, or off.` };
  }
  return { ok: true, policy: { maxHours, idleMinutes } };
}

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`Not a time: ${iso}`);
  return t;
};
const iso = (t: number): string => new Date(t).toISOString();

export function sessionState(times: SessionTimes, policy: SessionPolicy, now: string): SessionState {
  const expires = ms(times.signedInAt) + policy.maxHours * 3_600_000;
  if (ms(now) >= expires) return { state: 'expired', since: iso(expires) };
  if (times.lockedAt !== null) return { state: 'locked', expiresAt: iso(expires), since: times.lockedAt };
  if (policy.idleMinutes !== null) {
    // Input stamped after "now" (a clock step) counts as now: it never postpones the lock further.
    const lastInput = Math.min(ms(times.lastInputAt), ms(now));
    const locks = lastInput + policy.idleMinutes * 60_000;
    if (ms(now) >= locks) return { state: 'locked', expiresAt: iso(expires), since: iso(locks) };
    return { state: 'active', expiresAt: iso(expires), locksAt: iso(Math.min(locks, expires)) };
  }
  return { state: 'active', expiresAt: iso(expires), locksAt: null };
}

/** Milliseconds until the state can next change by itself (the one timer the app sets); null: never. */
export function nextChangeIn(times: SessionTimes, policy: SessionPolicy, now: string): number | null {
  const s = sessionState(times, policy, now);
  if (s.state === 'expired') return null;
  const next = s.state === 'active' && s.locksAt !== null ? s.locksAt : s.expiresAt;
  return Math.max(0, ms(next) - ms(now));
}
