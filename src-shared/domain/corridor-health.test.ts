import { describe, expect, it } from 'vitest';
import { computedCorridorHealth, corridorHealth, corridorHealthLabel, emptyCounts, runningCounts } from './corridor-health';
import type { Health } from './node-health';

const counts = (c: Partial<Record<Health, number>>) => ({ ...emptyCounts(), ...c });

describe('corridor health (the one definition)', () => {
  it('judges telemetry by share: one critical node of 80 is a warning, a quarter is critical', () => {
    expect(computedCorridorHealth(counts({ healthy: 79, critical: 1 }))).toBe('warning');
    expect(computedCorridorHealth(counts({ healthy: 60, critical: 10, stale: 10 }))).toBe('critical');
    expect(computedCorridorHealth(counts({ healthy: 80 }))).toBe('healthy');
    expect(computedCorridorHealth(counts({ healthy: 6, warning: 2 }))).toBe('warning');
    expect(computedCorridorHealth(counts({ healthy: 9, warning: 1 }))).toBe('healthy');
    expect(computedCorridorHealth(counts({}))).toBe('unknown');
  });

  it('lets a declared outage win over a better-looking score', () => {
    const h = corridorHealth({ counts: counts({ healthy: 78, warning: 2 }), declared: 'partial_outage' });
    expect(h.score).toBe(98.8);
    expect(h).toMatchObject({ health: 'critical', basis: 'declared', computed: 'healthy', declared: 'partial_outage' });
    expect(corridorHealthLabel(h)).toBe('Partial outage (declared)');
    expect(h.explain).toContain('computed: healthy');
  });

  it('never lets a declared better state hide worse telemetry', () => {
    const h = corridorHealth({ counts: counts({ healthy: 1, critical: 3 }), declared: 'operational' });
    expect(h).toMatchObject({ health: 'critical', basis: 'computed' });
    const degraded = corridorHealth({ counts: counts({ healthy: 1, critical: 3 }), declared: 'degraded_performance' });
    expect(degraded).toMatchObject({ health: 'critical', basis: 'computed' });
  });

  it('reflects open critical and high incidents, but not drills', () => {
    const healthy = counts({ healthy: 10 });
    expect(corridorHealth({ counts: healthy, incidents: [{ severity: 'critical', drill: false }] })).toMatchObject({ health: 'critical', basis: 'incident' });
    expect(corridorHealth({ counts: healthy, incidents: [{ severity: 'high', drill: false }] })).toMatchObject({ health: 'warning', basis: 'incident' });
    expect(corridorHealth({ counts: healthy, incidents: [{ severity: 'critical', drill: true }] })).toMatchObject({ health: 'healthy', basis: 'computed' });
    expect(corridorHealth({ counts: healthy, incidents: [{ severity: 'medium', drill: false }] })).toMatchObject({ health: 'healthy' });
    // The person's declaration decides a tie with an incident.
    expect(corridorHealth({ counts: healthy, declared: 'major_outage', incidents: [{ severity: 'critical', drill: false }] }).basis).toBe('declared');
  });

  it('says "no running nodes" rather than healthy when nothing runs', () => {
    const h = corridorHealth({ counts: counts({}) });
    expect(h).toMatchObject({ health: 'unknown', basis: 'none', score: null });
    expect(corridorHealthLabel(h)).toBe('No running nodes');
  });

  it('counts only running nodes', () => {
    expect(
      runningCounts([
        { lifecycle: 'active', health: 'healthy' },
        { lifecycle: 'draining', health: 'critical' },
        { lifecycle: 'retired', health: 'critical' },
        { lifecycle: 'offline', health: 'unknown' },
      ]),
    ).toEqual(counts({ healthy: 1, critical: 1 }));
  });
});
