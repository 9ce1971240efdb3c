import { describe, it, expect } from 'vitest';
import { nextDrillStep, drillStepRefusal, drillOutcome } from './drills';

describe('drill steps', () => {
  it('runs drain, simulate, restore in order', () => {
    expect(nextDrillStep([])).toBe('drain');
    expect(nextDrillStep(['drain'])).toBe('simulate');
    expect(nextDrillStep(['drain', 'simulate'])).toBe('restore');
    expect(nextDrillStep(['drain', 'simulate', 'restore'])).toBeNull();
  });
  it('refuses a step out of order and says which one is next', () => {
    expect(drillStepRefusal([], 'restore')).toMatch(/run "drain" first/);
    expect(drillStepRefusal(['drain'], 'simulate')).toBeNull();
    expect(drillStepRefusal(['drain', 'simulate', 'restore'], 'drain')).toMatch(/complete the drill/);
  });
});

describe('drill outcome', () => {
  it('passes within targets and fails with a reason per miss', () => {
    expect(drillOutcome({ recoveryMs: 100, dataLossMs: 0, residencyViolations: 0 }, { recoveryMs: 200, dataLossMs: 10 }))
      .toEqual({ outcome: 'passed', reasons: [] });
    const r = drillOutcome({ recoveryMs: 300, dataLossMs: 50, residencyViolations: 1 }, { recoveryMs: 200, dataLossMs: 10 });
    expect(r.outcome).toBe('failed');
    expect(r.reasons).toHaveLength(3);
    expect(drillOutcome({ recoveryMs: null, dataLossMs: null, residencyViolations: 0 }, { recoveryMs: null, dataLossMs: null }).outcome).toBe('failed');
  });
});
