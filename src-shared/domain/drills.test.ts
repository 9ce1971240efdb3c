import { describe, it, expect } from 'vitest';
import { nextDrillStep, drillStepRefusal, drillOutcome, longestGapMs } from './drills';

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

describe('data-loss window', () => {
  it('is the longest telemetry silence inside the window, edges included', () => {
    expect(longestGapMs([1000, 2000, 6000], 0, 7000)).toBe(4000);
    expect(longestGapMs([500], 0, 10_000)).toBe(9500);
    // Samples outside the window do not count, and none at all is "not measured", never zero.
    expect(longestGapMs([-5, 20_000], 0, 10_000)).toBeNull();
    expect(longestGapMs([], 0, 10_000)).toBeNull();
  });
});
