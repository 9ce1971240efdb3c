import { describe, expect, it } from 'vitest';
import { axisFor, niceStep } from './chart-axis';

describe('chart axis', () => {
  it('writes GPU memory in GB with distinct ticks, never "140.000K MB"', () => {
    const a = axisFor([140_000, 140_000.4, 139_999.8], 'MB');
    expect(a.unit).toBe('GB');
    expect(a.labels).toEqual(['0', '50', '100', '150']);
    expect(a.min).toBe(0);
    expect(a.max).toBeGreaterThanOrEqual(140_000.4);
  });

  it('shows a small error rate as per cent with ticks that differ, not a lone "0"', () => {
    const a = axisFor([0.001, 0.0035, null, 0.002], 'ratio');
    expect(a.unit).toBe('%');
    expect(new Set(a.labels).size).toBe(a.labels.length);
    expect(a.labels).toEqual(['0.0', '0.1', '0.2', '0.3', '0.4']);
  });

  it('gives an all-zero series a readable 0…1 range in its display unit', () => {
    expect(axisFor([0, 0, 0], 'ratio')).toMatchObject({ min: 0, max: 0.01, unit: '%' });
    expect(axisFor([0, 0], 'requests').labels.at(-1)).toBe('1.00');
  });

  it('zooms into a narrow band far from zero so its changes show', () => {
    const a = axisFor([118, 121, 125], 'ms');
    expect(a.min).toBeGreaterThan(100);
    expect(a.min).toBeLessThanOrEqual(118);
    expect(a.max).toBeGreaterThanOrEqual(125);
    expect(a.unit).toBe('ms');
    expect(a.labels.every((l) => /^\d+$/.test(l))).toBe(true);
  });

  it('switches to bigger units for big figures and keeps every data point inside the range', () => {
    const tokens = [1_200_000, 2_450_000, 800_000];
    const a = axisFor(tokens, 'tok/s');
    expect(a.unit).toBe('million tok/s');
    for (const v of tokens) expect(v >= a.min && v <= a.max).toBe(true);
    expect(axisFor([12_500, 900], 'ms').unit).toBe('s');
  });

  it('handles no data and negative values', () => {
    expect(axisFor([], 'W')).toMatchObject({ min: 0, max: 1, unit: 'W' });
    const t = axisFor([-12, 30], '°C');
    expect(t.min).toBeLessThanOrEqual(-12);
    expect(t.max).toBeGreaterThanOrEqual(30);
  });

  it('picks 1-2-2.5-5 steps', () => {
    expect([0.7, 1.5, 2.2, 4, 9, 0.0013].map(niceStep)).toEqual([1, 2, 2.5, 5, 10, 0.002]);
  });
});
