import { describe, expect, it } from 'vitest';
import { counterDelta, counterTolerance, dayPeriodProblem, intervalWindow, resolvePeriod, windowIndex, windowStatus } from './usage';

const now = new Date('2026-12-06T20:30:00.000Z');
const H = 3_600_000;

describe('usage periods', () => {
  it('defaults to this month so far for totals and to today so far for a reconciliation', () => {
    expect(resolvePeriod({}, now, 'summary')).toEqual({ ok: true, from: new Date('2026-12-01T00:00:00.000Z'), to: now });
    expect(resolvePeriod({}, now, 'reconcile')).toEqual({ ok: true, from: new Date('2026-12-06T00:00:00.000Z'), to: now });
  });

  it('refuses from after to, too long a period and one that starts in the future, naming the field', () => {
    expect(resolvePeriod({ from: '2026-12-05T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' }, now, 'summary')).toMatchObject({ ok: false, field: 'from' });
    expect(resolvePeriod({ from: '2026-12-04T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' }, now, 'summary')).toMatchObject({ ok: false, field: 'from' });
    expect(resolvePeriod({ from: '2026-08-01T00:00:00.000Z' }, now, 'summary')).toMatchObject({ ok: false, field: 'to', message: expect.stringMatching(/at most 93 days; this period is 128 days/) });
    expect(resolvePeriod({ from: '2026-11-28T00:00:00.000Z' }, now, 'reconcile')).toMatchObject({ ok: false, field: 'to', message: expect.stringMatching(/at most 7 days/) });
    expect(resolvePeriod({ from: '2026-12-07T00:00:00.000Z', to: '2026-12-08T00:00:00.000Z' }, now, 'summary')).toMatchObject({ ok: false, field: 'from' });
  });

  it('says a backwards period in minutes a person reads, and a start in the future as such even with the default end', () => {
    expect(resolvePeriod({ from: '2026-12-05T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' }, now, 'summary')).toMatchObject({
      message: 'The period must start before it ends: it starts 2026-12-05 00:00 and ends 2026-12-04 00:00 (UTC).',
    });
    // Only a start, after now: the end defaults to now, but what is wrong is the start.
    expect(resolvePeriod({ from: '2026-12-10T00:00:00.000Z' }, now, 'summary')).toMatchObject({ ok: false, field: 'from', message: expect.stringMatching(/starts in the future/) });
  });

  it('checks the days as typed (the last one included) before anything is asked', () => {
    expect(dayPeriodProblem('2026-12-03', '2026-12-01', now)).toBe('From (2026-12-03) is after To (2026-12-01): the period must start on or before its last day.');
    expect(dayPeriodProblem('2026-12-10', '', now)).toBe('From (2026-12-10) is in the future: there is nothing to show yet. Pick a day up to today (2026-12-06).');
    // One day, today, and the defaults are fine.
    expect(dayPeriodProblem('2026-12-01', '2026-12-01', now)).toBeNull();
    expect(dayPeriodProblem('2026-12-06', '', now)).toBeNull();
    expect(dayPeriodProblem('', '', now)).toBeNull();
  });
});

describe('counters and windows', () => {
  it('takes a counter’s growth, and after a reset what it counted since', () => {
    expect(counterDelta(1000, 1300)).toEqual({ delta: 300, reset: false });
    expect(counterDelta(1300, 100)).toEqual({ delta: 100, reset: true });
    expect(counterDelta(null, 100)).toEqual({ delta: null, reset: false });
  });

  it('puts a request in the window holding it, and a probe interval in the window holding its end', () => {
    const from = Date.parse('2026-12-06T00:00:00.000Z');
    const to = from + 6 * H;
    expect(windowIndex(from, from, to, H)).toBe(0);
    expect(windowIndex(from + H, from, to, H)).toBe(1);
    expect(windowIndex(to, from, to, H)).toBe(-1);
    // A probe exactly on the hour closes the hour before it.
    expect(intervalWindow(from + H, from, to, H)).toBe(0);
    expect(intervalWindow(from + H + 1, from, to, H)).toBe(1);
    expect(intervalWindow(from, from, to, H)).toBe(-1);
    expect(intervalWindow(to, from, to, H)).toBe(5);
  });

  it('tolerates in-flight tokens at the edges and says whether a window is clean, explained or not', () => {
    expect(counterTolerance(1000)).toBe(256);
    expect(counterTolerance(100_000)).toBe(2000);
    expect(windowStatus(false, [])).toBe('idle');
    expect(windowStatus(true, [])).toBe('clean');
    expect(windowStatus(true, [{ kind: 'estimated_usage' }, { kind: 'counter_reset' }])).toBe('explained');
    expect(windowStatus(true, [{ kind: 'estimated_usage' }, { kind: 'request_without_usage' }])).toBe('discrepancy');
  });
});
