import { describe, expect, it } from 'vitest';
import { type ChainState, DEFAULT_POLICY, dueSteps, type EscalationPolicy, nextStep, onCallAt, schedule, type Shift, shiftProblems, stepKey, upcomingShifts } from './escalation';

const T0 = new Date('2026-11-22T10:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
const offsets = (ds: { dueAt: Date }[]) => ds.map((d) => (d.dueAt.getTime() - T0.getTime()) / 60_000);
const chain: ChainState = { open: true, arm: 1, armedAt: T0, acknowledgedAt: null };

const policy: EscalationPolicy = {
  steps: [
    { waitMinutes: 0, target: { kind: 'on_call' } },
    { waitMinutes: 5, target: { kind: 'role', role: 'incident_commander' } },
    { waitMinutes: 10, target: { kind: 'role', role: 'admin' } },
  ],
  repeat: 0,
  ackTimeoutMinutes: 30,
};

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const shift = (id: string, who: string, from: number, to: number): Shift => ({ id, operatorId: who, startsAt: min(from), endsAt: min(to) });

describe('escalation when a step reaches nobody', () => {
  it('without unreachable steps keeps every wait', () => {
    expect(offsets(schedule(policy, T0, 1))).toEqual([0, 5, 15]);
  });

  it('makes the next step due at the moment the unreachable one fired; later waits count from there', () => {
    const fired = new Map([[stepKey({ arm: 1, round: 0, step: 0 }), min(0)]]);
    expect(offsets(schedule(policy, T0, 1, fired))).toEqual([0, 0, 10]);
    expect(offsets(dueSteps(policy, chain, min(0), fired))).toEqual([0, 0]);
  });

  it('a step fired late and unreachable makes the next due when it fired, not earlier', () => {
    const fired = new Map([[stepKey({ arm: 1, round: 0, step: 0 }), min(3)]]);
    expect(offsets(schedule(policy, T0, 1, fired))).toEqual([0, 3, 13]);
  });

  it('chains: two unreachable steps in a row bring the third forward too', () => {
    const fired = new Map([
      [stepKey({ arm: 1, round: 0, step: 0 }), min(0)],
      [stepKey({ arm: 1, round: 0, step: 1 }), min(0)],
    ]);
    expect(offsets(dueSteps(policy, chain, min(0), fired))).toEqual([0, 0, 0]);
    expect(nextStep(policy, chain, min(0), fired)).toBeNull();
  });

  it('ignores unreachable steps of another arming', () => {
    const fired = new Map([[stepKey({ arm: 2, round: 0, step: 0 }), min(0)]]);
    expect(offsets(schedule(policy, T0, 1, fired))).toEqual([0, 5, 15]);
    expect(nextStep(policy, chain, min(1), fired)?.step).toBe(1);
  });

  it('the default policy asks the commander on call first, every commander next, admins last', () => {
    expect(DEFAULT_POLICY.steps.map((s) => s.target.kind === 'role' ? s.target.role : s.target.kind)).toEqual(['on_call', 'incident_commander', 'admin']);
  });
});

describe('on-call schedule', () => {
  const shifts = [shift('1', A, 0, 60), shift('2', B, 60, 120)];

  it('says who is on call: start inclusive, end exclusive, nobody outside every shift', () => {
    expect(onCallAt(shifts, min(0))?.operatorId).toBe(A);
    expect(onCallAt(shifts, min(59))?.operatorId).toBe(A);
    expect(onCallAt(shifts, min(60))?.operatorId).toBe(B);
    expect(onCallAt(shifts, min(120))).toBeNull();
    expect(onCallAt(shifts, min(-1))).toBeNull();
  });

  it('lists the shifts not yet ended, soonest first', () => {
    expect(upcomingShifts([shifts[1]!, shifts[0]!], min(30), 5).map((s) => s.id)).toEqual(['1', '2']);
    expect(upcomingShifts(shifts, min(60), 5).map((s) => s.id)).toEqual(['2']);
    expect(upcomingShifts(shifts, min(30), 1).map((s) => s.id)).toEqual(['1']);
  });

  it('accepts a shift that touches another end to start', () => {
    expect(shiftProblems({ operatorId: A, startsAt: min(120), endsAt: min(180) }, shifts)).toEqual({});
  });

  it('refuses an overlap, naming the shift it overlaps', () => {
    expect(shiftProblems({ operatorId: A, startsAt: min(90), endsAt: min(150) }, shifts).startsAt).toMatch(/^Overlaps the shift 2026-11-22 11:00–2026-11-22 12:00 UTC/);
  });

  it('refuses an end before the start, a shift too long, and dates that are not dates', () => {
    expect(shiftProblems({ operatorId: A, startsAt: min(10), endsAt: min(10) }, []).endsAt).toBe('A shift ends after it starts.');
    expect(shiftProblems({ operatorId: A, startsAt: min(0), endsAt: min(32 * 24 * 60) }, []).endsAt).toMatch(/at most 31 days/);
    expect(Object.keys(shiftProblems({ operatorId: A, startsAt: new Date('nope'), endsAt: new Date('') }, []))).toEqual(['startsAt', 'endsAt']);
  });
});
