import { z } from 'zod';
import { SESSION_LIMITS } from '../domain/session-policy';
import { command, empty, isoTime, query } from './channel';
import { roleSchema } from './roles';

/**
 * The operator's session on this workstation (issue 10): how long it lasts, when it locks when
 * idle, locking by hand, unlocking by proving who one is again, and shift handover. The main
 * process keeps the clock and decides; these channels only report and ask.
 */

const profileId = z.string().min(1).max(64);

export const sessionPolicySchema = z.strictObject({
  maxHours: z
    .number({ error: 'Enter the session length in hours.' })
    .int('Session length is a whole number of hours.')
    .min(SESSION_LIMITS.maxHours.min, `A session lasts at least ${SESSION_LIMITS.maxHours.min} hour.`)
    .max(SESSION_LIMITS.maxHours.max, `A session lasts at most ${SESSION_LIMITS.maxHours.max} hours.`),
  idleMinutes: z
    .number({ error: 'Enter the idle lock in minutes, or turn it off.' })
    .int('The idle lock is a whole number of minutes.')
    .min(SESSION_LIMITS.idleMinutes.min, `The idle lock is at least ${SESSION_LIMITS.idleMinutes.min} minute.`)
    .max(SESSION_LIMITS.idleMinutes.max, `The idle lock is at most ${SESSION_LIMITS.idleMinutes.max} minutes.`)
    .nullable(),
});

/**
 * - none: nobody is signed in on the active profile (and no session ended here lately).
 * - active / locked: a signed-in operator; locked screens refuse every call but these channels.
 * - ended: the session expired or was handed over; the next operator signs in the usual way.
 */
export const sessionStatusSchema = z.object({
  state: z.enum(['none', 'active', 'locked', 'ended']),
  profileId: z.string().nullable(),
  operator: z.object({ id: z.uuid(), name: z.string(), email: z.string(), role: roleSchema }).nullable(),
  signedInAt: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  /** When the screen locks if nobody touches it; null: no idle lock (or not active). */
  locksAt: isoTime.nullable(),
  lockedAt: isoTime.nullable(),
  lockedHow: z.enum(['idle', 'by-hand']).nullable(),
  ended: z
    .object({ reason: z.enum(['expired', 'handed-over']), at: isoTime, operatorName: z.string(), note: z.string().nullable() })
    .nullable(),
  policy: sessionPolicySchema,
  /**
   * How the locked operator proves themselves again: 'os-user' (embedded: confirm the OS user by
   * name), 'identity-provider' (a fresh sign-in with the same subject), 'none' (this profile has no
   * way: hand over and sign in again).
   */
  unlockWith: z.enum(['os-user', 'identity-provider', 'none']),
  /** The OS user the embedded mode's unlock names (only then). */
  osUser: z.string().nullable(),
});
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

export const sessionState = query('session.state', {
  summary: 'The session clock of this workstation: who, since when, when it locks and expires, and the policy.',
  request: empty,
  response: sessionStatusSchema,
  needsDb: false,
});

export const sessionSetPolicy = command('session.setPolicy', {
  summary: 'Set a connection profile’s session length and idle lock (an admin of the org, or anyone while nobody is signed in).',
  scope: 'local',
  request: z.strictObject({ profileId, policy: sessionPolicySchema }),
  response: z.object({ policy: sessionPolicySchema }),
});

/**
 * A report, not a change (so it is a query, and nothing is recorded): the renderer saw input, at
 * most every 30 s, and the idle lock moves on. Ignored while locked or signed out; refused on a
 * read-only display, which must not keep a workstation's session awake.
 */
export const sessionActivity = query('session.activity', {
  summary: 'The renderer saw input: postpones the idle lock. Never unlocks.',
  request: empty,
  response: z.object({ state: z.enum(['none', 'active', 'locked', 'ended']), locksAt: isoTime.nullable() }),
  needsDb: false,
  readOnlyAllowed: false,
});

export const sessionLock = command('session.lock', {
  summary: 'Lock the screen now (Ctrl+L): every call but the session channels is refused until the operator unlocks.',
  scope: 'local',
  request: empty,
  response: sessionStatusSchema,
});

export const sessionUnlock = command('session.unlock', {
  summary: 'Unlock: the same operator proves themselves again (the OS user by name on the embedded database, or a fresh identity-provider sign-in).',
  scope: 'local',
  request: z.strictObject({
    /** Embedded mode: the OS user's name, typed or confirmed, as the proof that they are back. */
    confirmOsUser: z.string().trim().min(1).max(200).optional(),
    /** Identity-provider mode: a sign-in started with identity.signInStart and answered in the browser. */
    attemptId: z.uuid().optional(),
  }),
  response: sessionStatusSchema,
});

export const sessionHandover = command('session.handover', {
  summary: 'Lock and hand over: sign the current operator out (recorded with the note), so the next one signs in.',
  scope: 'local',
  request: z.strictObject({ note: z.string().trim().max(1000, 'A handover note is at most 1,000 characters.').optional() }),
  response: sessionStatusSchema,
});
