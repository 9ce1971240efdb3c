import type { Role } from '../contract/roles';

/**
 * Escalation: who is told, and when, while nobody has acknowledged an open incident.
 *
 * A policy is an ordered list of steps, each "wait N minutes, then notify a role or a person";
 * the waits add up from the moment the chain is armed (the incident opened, was reopened, or its
 * acknowledgement timed out). After the last step the chain starts again, `repeat` more times:
 * round r's step i is due at armedAt + r × (sum of all waits) + (waits of steps 0..i).
 * Acknowledging stops it. An acknowledgement is good for `ackTimeoutMinutes`; if the incident is
 * still open then, the acknowledgement expires and the chain is armed again from that moment.
 *
 * Everything here is pure: the caller passes the clock, so timing is tested without waiting.
 */
export type EscalationTarget = { kind: 'role'; role: Role } | { kind: 'operator'; operatorId: string } | { kind: 'on_call' };

/**
 * Why a step reached nobody when it fired. Such a step does not hold the chain up: the next step
 * is due at the moment it fired instead of after its own wait.
 */
export type Unreachable = 'nobody_on_call' | 'no_member_in_role' | 'not_a_member' | 'not_a_commander';

export const UNREACHABLE_WORDS: Record<Unreachable, string> = {
  nobody_on_call: 'nobody on call',
  no_member_in_role: 'no member holds the role',
  not_a_member: 'the person named is no longer a member',
  not_a_commander: 'the person on call no longer holds the incident commander role',
};

/** Steps of one arming that fired and reached nobody, by `arm|round|step`, with when they fired. */
export type UnreachableFired = ReadonlyMap<string, Date>;

export const stepKey = (d: { arm: number; round: number; step: number }): string => `${d.arm}|${d.round}|${d.step}`;

export interface EscalationStep {
  waitMinutes: number;
  target: EscalationTarget;
}

export interface EscalationPolicy {
  steps: readonly EscalationStep[];
  /** Extra rounds after the first; 0 = notify each step once. */
  repeat: number;
  /** Minutes an acknowledgement holds while the incident stays open; null = until resolved. */
  ackTimeoutMinutes: number | null;
}

export interface DueStep {
  /** Which arming of the chain (1 for the first; +1 each time it is armed again). */
  arm: number;
  round: number;
  step: number;
  dueAt: Date;
  target: EscalationTarget;
}

export const MAX_STEPS = 10;
export const MAX_REPEAT = 10;
export const MAX_WAIT_MINUTES = 24 * 60;

/** Problems with a policy, by field, in words; empty when it is usable. */
export function policyProblems(p: EscalationPolicy): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.steps.length === 0) out.steps = 'A policy needs at least one step.';
  if (p.steps.length > MAX_STEPS) out.steps = `At most ${MAX_STEPS} steps.`;
  p.steps.forEach((s, i) => {
    if (!Number.isInteger(s.waitMinutes) || s.waitMinutes < 0 || s.waitMinutes > MAX_WAIT_MINUTES) {
      out[`steps.${i}.waitMinutes`] = `Wait a whole number of minutes from 0 to ${MAX_WAIT_MINUTES}.`;
    }
  });
  if (!Number.isInteger(p.repeat) || p.repeat < 0 || p.repeat > MAX_REPEAT) out.repeat = `Repeat 0 to ${MAX_REPEAT} times.`;
  else if (p.repeat > 0 && cycleMinutes(p) < 1) out.repeat = 'A repeating chain needs at least one minute of waiting, or every round would fire at once.';
  if (p.ackTimeoutMinutes !== null && (!Number.isInteger(p.ackTimeoutMinutes) || p.ackTimeoutMinutes < 1 || p.ackTimeoutMinutes > MAX_WAIT_MINUTES)) {
    out.ackTimeoutMinutes = `An acknowledgement timeout is 1 to ${MAX_WAIT_MINUTES} minutes, or none.`;
  }
  return out;
}

function cycleMinutes(p: EscalationPolicy): number {
  return p.steps.reduce((sum, s) => sum + s.waitMinutes, 0);
}

/**
 * Every step of every round of one arming, in time order. A step that fired and reached nobody
 * (`unreachable`) makes the step after it due at the moment it fired; later waits count from there.
 */
export function schedule(p: EscalationPolicy, armedAt: Date, arm: number, unreachable: UnreachableFired = new Map()): DueStep[] {
  const out: DueStep[] = [];
  let prev = armedAt.getTime();
  let skipFrom: number | null = null;
  for (let round = 0; round <= p.repeat; round++) {
    p.steps.forEach((s, step) => {
      const due = skipFrom ?? prev + s.waitMinutes * 60_000;
      out.push({ arm, round, step, dueAt: new Date(due), target: s.target });
      prev = due;
      const fired = unreachable.get(stepKey({ arm, round, step }));
      skipFrom = fired ? Math.max(fired.getTime(), due) : null;
    });
  }
  return out;
}

export interface ChainState {
  open: boolean;
  arm: number;
  armedAt: Date;
  acknowledgedAt: Date | null;
}

/** Steps due by `now` (the caller records each once; recording is idempotent by arm/round/step). */
export function dueSteps(p: EscalationPolicy, c: ChainState, now: Date, unreachable?: UnreachableFired): DueStep[] {
  if (!c.open || c.acknowledgedAt) return [];
  return schedule(p, c.armedAt, c.arm, unreachable).filter((d) => d.dueAt.getTime() <= now.getTime());
}

/** The next step still to come, for "next: notify Admins in 3 min"; null when none is left or it is stopped. */
export function nextStep(p: EscalationPolicy, c: ChainState, now: Date, unreachable?: UnreachableFired): DueStep | null {
  if (!c.open || c.acknowledgedAt) return null;
  return schedule(p, c.armedAt, c.arm, unreachable).find((d) => d.dueAt.getTime() > now.getTime()) ?? null;
}

/** When an acknowledgement given at `ackAt` stops holding; null if it holds until resolution. */
export function ackExpiresAt(p: EscalationPolicy, ackAt: Date): Date | null {
  return p.ackTimeoutMinutes === null ? null : new Date(ackAt.getTime() + p.ackTimeoutMinutes * 60_000);
}

/** True when the acknowledgement has run out on an incident that is still open: re-arm from its expiry. */
export function ackHasExpired(p: EscalationPolicy, c: ChainState, now: Date): boolean {
  if (!c.open || !c.acknowledgedAt) return false;
  const until = ackExpiresAt(p, c.acknowledgedAt);
  return until !== null && until.getTime() <= now.getTime();
}

export function describeTarget(t: EscalationTarget, names: { roles: Record<Role, string>; operator(id: string): string }): string {
  return t.kind === 'role' ? `every ${names.roles[t.role].toLowerCase()}` : t.kind === 'on_call' ? 'the incident commander on call' : names.operator(t.operatorId);
}

/**
 * Installed for every org: the incident commander on call at once; every incident commander five
 * minutes later (the fallback when the one on call does not answer, or at once when nobody is on
 * call, since an unreachable step does not wait); admins five minutes after that; twice round.
 */
export const DEFAULT_POLICY: EscalationPolicy & { name: string; severities: readonly ('critical' | 'high' | 'medium' | 'low')[] } = {
  name: 'Critical and high incidents',
  severities: ['critical', 'high'],
  steps: [
    { waitMinutes: 0, target: { kind: 'on_call' } },
    { waitMinutes: 5, target: { kind: 'role', role: 'incident_commander' } },
    { waitMinutes: 5, target: { kind: 'role', role: 'admin' } },
  ],
  repeat: 1,
  ackTimeoutMinutes: 30,
};

// ── On-call schedule ────────────────────────────────────────────────────────────────────────────

export interface Shift {
  id: string;
  operatorId: string;
  startsAt: Date;
  endsAt: Date;
}

export const MAX_SHIFT_DAYS = 31;

/**
 * Problems with a new shift against the existing ones, by field, in words; empty when it fits.
 * With `now`, a window that has already ended is refused: escalations already resolved against
 * the schedule as it was, so the past is not rewritten.
 */
export function shiftProblems(s: Omit<Shift, 'id'>, existing: readonly Shift[], now?: Date): Record<string, string> {
  const out: Record<string, string> = {};
  const start = s.startsAt.getTime();
  const end = s.endsAt.getTime();
  if (Number.isNaN(start)) out.startsAt = 'Give the start as a date and time.';
  if (Number.isNaN(end)) out.endsAt = 'Give the end as a date and time.';
  if (Object.keys(out).length > 0) return out;
  if (end <= start) out.endsAt = 'A shift ends after it starts.';
  else if (now && end <= now.getTime()) out.endsAt = 'That window has already ended; a shift covers now or later.';
  else if (end - start > MAX_SHIFT_DAYS * 86_400_000) out.endsAt = `A shift lasts at most ${MAX_SHIFT_DAYS} days; add several for longer.`;
  else {
    const clash = existing.find((e) => e.startsAt.getTime() < end && start < e.endsAt.getTime());
    if (clash) out.startsAt = `Overlaps the shift ${clash.startsAt.toISOString().slice(0, 16).replace('T', ' ')}–${clash.endsAt.toISOString().slice(0, 16).replace('T', ' ')} UTC; remove it or pick another window.`;
  }
  return out;
}

/** The shift covering `at` (start inclusive, end exclusive), or null when nobody is on call. */
export function onCallAt(shifts: readonly Shift[], at: Date): Shift | null {
  const t = at.getTime();
  return shifts.find((s) => s.startsAt.getTime() <= t && t < s.endsAt.getTime()) ?? null;
}

/** Shifts that have not ended by `at`, soonest first, at most `limit`. */
export function upcomingShifts(shifts: readonly Shift[], at: Date, limit: number): Shift[] {
  return shifts
    .filter((s) => s.endsAt.getTime() > at.getTime())
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())
    .slice(0, limit);
}
