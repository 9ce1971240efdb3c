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
export type EscalationTarget = { kind: 'role'; role: Role } | { kind: 'operator'; operatorId: string };

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

/** Every step of every round of one arming, in time order. */
export function schedule(p: EscalationPolicy, armedAt: Date, arm: number): DueStep[] {
  const cycle = cycleMinutes(p);
  const out: DueStep[] = [];
  for (let round = 0; round <= p.repeat; round++) {
    let offset = round * cycle;
    p.steps.forEach((s, step) => {
      offset += s.waitMinutes;
      out.push({ arm, round, step, dueAt: new Date(armedAt.getTime() + offset * 60_000), target: s.target });
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
export function dueSteps(p: EscalationPolicy, c: ChainState, now: Date): DueStep[] {
  if (!c.open || c.acknowledgedAt) return [];
  return schedule(p, c.armedAt, c.arm).filter((d) => d.dueAt.getTime() <= now.getTime());
}

/** The next step still to come, for "next: notify Admins in 3 min"; null when none is left or it is stopped. */
export function nextStep(p: EscalationPolicy, c: ChainState, now: Date): DueStep | null {
  if (!c.open || c.acknowledgedAt) return null;
  return schedule(p, c.armedAt, c.arm).find((d) => d.dueAt.getTime() > now.getTime()) ?? null;
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
  return t.kind === 'role' ? `every ${names.roles[t.role].toLowerCase()}` : names.operator(t.operatorId);
}

/** Installed for every org: the incident commanders at once, admins five minutes later, twice round. */
export const DEFAULT_POLICY: EscalationPolicy & { name: string; severities: readonly ('critical' | 'high' | 'medium' | 'low')[] } = {
  name: 'Critical and high incidents',
  severities: ['critical', 'high'],
  steps: [
    { waitMinutes: 0, target: { kind: 'role', role: 'incident_commander' } },
    { waitMinutes: 5, target: { kind: 'role', role: 'admin' } },
  ],
  repeat: 1,
  ackTimeoutMinutes: 30,
};
