import { describe, expect, it } from 'vitest';
import { ackExpiresAt, ackHasExpired, type ChainState, DEFAULT_POLICY, dueSteps, type EscalationPolicy, nextStep, policyProblems, schedule } from './escalation';

const T0 = new Date('2026-11-22T10:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
const chain = (over: Partial<ChainState> = {}): ChainState => ({ open: true, arm: 1, armedAt: T0, acknowledgedAt: null, ...over });

const policy: EscalationPolicy = {
  steps: [
    { waitMinutes: 0, target: { kind: 'role', role: 'incident_commander' } },
    { waitMinutes: 5, target: { kind: 'role', role: 'admin' } },
    { waitMinutes: 10, target: { kind: 'operator', operatorId: '00000000-0000-4000-8000-000000000001' } },
  ],
  repeat: 1,
  ackTimeoutMinutes: 30,
};

describe('escalation', () => {
  it('adds the waits up from the moment the chain is armed, then starts again', () => {
    expect(schedule(policy, T0, 1).map((d) => [d.round, d.step, (d.dueAt.getTime() - T0.getTime()) / 60_000])).toEqual([
      [0, 0, 0],
      [0, 1, 5],
      [0, 2, 15],
      [1, 0, 15],
      [1, 1, 20],
      [1, 2, 30],
    ]);
  });

  it('is due step by step as the clock moves', () => {
    expect(dueSteps(policy, chain(), min(0)).map((d) => d.step)).toEqual([0]);
    expect(dueSteps(policy, chain(), min(4.99)).map((d) => d.step)).toEqual([0]);
    expect(dueSteps(policy, chain(), min(5)).map((d) => d.step)).toEqual([0, 1]);
    expect(dueSteps(policy, chain(), min(60)).length).toBe(6);
    expect(nextStep(policy, chain(), min(5))).toMatchObject({ round: 0, step: 2, dueAt: min(15) });
    expect(nextStep(policy, chain(), min(30))).toBeNull();
  });

  it('stops when acknowledged, and for incidents that are no longer open', () => {
    expect(dueSteps(policy, chain({ acknowledgedAt: min(1) }), min(60))).toEqual([]);
    expect(nextStep(policy, chain({ acknowledgedAt: min(1) }), min(2))).toBeNull();
    expect(dueSteps(policy, chain({ open: false }), min(60))).toEqual([]);
  });

  it('lets an acknowledgement run out on an incident still open; the chain is armed again from then', () => {
    const acked = chain({ acknowledgedAt: min(2) });
    expect(ackExpiresAt(policy, min(2))).toEqual(min(32));
    expect(ackHasExpired(policy, acked, min(31.9))).toBe(false);
    expect(ackHasExpired(policy, acked, min(32))).toBe(true);
    expect(ackHasExpired(policy, { ...acked, open: false }, min(90))).toBe(false);
    expect(ackHasExpired({ ...policy, ackTimeoutMinutes: null }, acked, min(9999))).toBe(false);
    const rearmed = chain({ arm: 2, armedAt: min(32) });
    expect(dueSteps(policy, rearmed, min(37)).map((d) => [d.arm, d.step])).toEqual([
      [2, 0],
      [2, 1],
    ]);
  });

  it('refuses policies that cannot work, naming the field', () => {
    expect(policyProblems(DEFAULT_POLICY)).toEqual({});
    expect(policyProblems({ steps: [], repeat: 0, ackTimeoutMinutes: null })).toEqual({ steps: 'A policy needs at least one step.' });
    expect(
      policyProblems({ steps: [{ waitMinutes: -1, target: { kind: 'role', role: 'admin' } }], repeat: 11, ackTimeoutMinutes: 0 }),
    ).toEqual({
      'steps.0.waitMinutes': 'Wait a whole number of minutes from 0 to 1440.',
      repeat: 'Repeat 0 to 10 times.',
      ackTimeoutMinutes: 'An acknowledgement timeout is 1 to 1440 minutes, or none.',
    });
    expect(policyProblems({ steps: [{ waitMinutes: 0, target: { kind: 'role', role: 'admin' } }], repeat: 2, ackTimeoutMinutes: null })).toEqual({
      repeat: 'A repeating chain needs at least one minute of waiting, or every round would fire at once.',
    });
  });
});
