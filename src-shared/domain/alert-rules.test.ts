import { describe, expect, it } from 'vitest';
import {
  aggregate,
  type AlertRuleDef,
  type AlertState,
  DEFAULT_RULES,
  describeRule,
  INITIAL,
  type InstanceState,
  percentile,
  ruleProblems,
  step,
  type Transition,
} from './alert-rules';

const T0 = new Date('2026-11-22T10:00:00Z').getTime();
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const latency: AlertRuleDef = {
  name: 'P95 latency critical',
  metric: 'p95_latency_ms',
  aggregation: 'p95',
  comparison: '>',
  threshold: 1000,
  forSeconds: 300,
  keepFiringForSeconds: 0,
  severity: 'critical',
  scopeKind: 'corridor',
  scopeId: null,
  openIncident: true,
  incidentSeverity: 'critical',
};

/** Run a series of (seconds, value) evaluations from a state; return every state and transition. */
function run(rule: AlertRuleDef, series: [number, number | null][], from: InstanceState = INITIAL) {
  let s = from;
  const states: AlertState[] = [];
  const transitions: (Transition & { at: number })[] = [];
  for (const [t, v] of series) {
    const r = step(rule, s, at(t), v);
    s = r.next;
    states.push(s.state);
    if (r.transition) transitions.push({ ...r.transition, at: t });
  }
  return { state: s, states, transitions };
}

/** Every 15 s from `start` to `end` inclusive, value v. */
const every15 = (start: number, end: number, v: number | null): [number, number | null][] => {
  const out: [number, number | null][] = [];
  for (let t = start; t <= end; t += 15) out.push([t, v]);
  return out;
};

describe('alert rule state machine', () => {
  it('goes pending on the first breach and fires only once the condition has held for `for`', () => {
    const r = run(latency, every15(0, 300, 1200));
    expect(r.states[0]).toBe('pending');
    expect(r.states.slice(0, -1).every((s) => s === 'pending')).toBe(true);
    expect(r.state.state).toBe('firing');
    expect(r.transitions.map((t) => [t.at, t.from, t.to])).toEqual([
      [0, 'inactive', 'pending'],
      [300, 'pending', 'firing'],
    ]);
    expect(r.transitions[1]!.reason).toBe('1,200 ms > 1,000 ms for 5 min');
    expect(r.state.pendingSince).toBe(at(0).toISOString());
    expect(r.state.firingSince).toBe(at(300).toISOString());
  });

  it('fires at once when `for` is zero', () => {
    const r = run({ ...latency, forSeconds: 0 }, [[0, 1500]]);
    expect(r.transitions.map((t) => t.to)).toEqual(['firing']);
  });

  it('never fires while flapping across the threshold faster than `for`', () => {
    const series: [number, number][] = [];
    for (let t = 0; t < 3600; t += 15) series.push([t, Math.floor(t / 120) % 2 === 0 ? 1500 : 400]);
    const r = run(latency, series);
    expect(r.states).not.toContain('firing');
    // Each breach starts a fresh pending clock; none is carried over.
    expect(r.transitions.filter((t) => t.to === 'pending').length).toBe(15);
  });

  it('keep_firing_for rides out a short dip, then resolves', () => {
    const rule = { ...latency, forSeconds: 0, keepFiringForSeconds: 120 };
    const r = run(rule, [...every15(0, 60, 1500), ...every15(75, 150, 300), ...every15(165, 165, 1500), ...every15(180, 400, 300)]);
    // The last breach was at 165 s: it keeps firing until 120 s after that.
    expect(r.transitions.map((t) => [t.at, t.to])).toEqual([
      [0, 'firing'],
      [285, 'resolved'],
    ]);
  });

  it('a flapping alert without keep_firing_for resolves and fires again, and says so each time', () => {
    const rule = { ...latency, forSeconds: 0 };
    const r = run(rule, [[0, 1500], [15, 300], [30, 1500], [45, 300]]);
    expect(r.transitions.map((t) => t.to)).toEqual(['firing', 'resolved', 'firing', 'resolved']);
  });

  it('holds its state through a short gap: the pending clock keeps running', () => {
    const r = run(latency, [...every15(0, 120, 1500), ...every15(135, 240, null), ...every15(255, 300, 1500)]);
    expect(r.transitions.map((t) => [t.at, t.to])).toEqual([
      [0, 'pending'],
      [300, 'firing'],
    ]);
  });

  it('after a gap longer than five minutes assumes nothing: pending starts again', () => {
    const r = run(latency, [...every15(0, 120, 1500), ...every15(135, 480, null), ...every15(495, 900, 1500)]);
    // The gap (last figure at 120 s) passes 5 min at 435 s: pending drops to inactive there.
    expect(r.transitions.map((t) => [t.at, t.to])).toEqual([
      [0, 'pending'],
      [435, 'inactive'],
      [495, 'pending'],
      [795, 'firing'],
    ]);
    expect(r.transitions[1]!.reason).toBe('no data for 5 min');
  });

  it('a firing alert whose subject goes silent resolves after the gap tolerance, with the reason', () => {
    const rule = { ...latency, forSeconds: 0 };
    const r = run(rule, [...every15(0, 60, 1500), ...every15(75, 500, null)]);
    expect(r.transitions.map((t) => [t.at, t.to])).toEqual([
      [0, 'firing'],
      [375, 'resolved'],
    ]);
    expect(r.transitions[1]!.reason).toMatch(/^no data for \d+ min$/);
  });

  it('a restart in the middle of `for` keeps the clock: the state survives a round trip through storage', () => {
    const before = run(latency, every15(0, 150, 1500));
    expect(before.state.state).toBe('pending');
    // What the database keeps and gives back after the app restarts 90 s later.
    const stored = JSON.parse(JSON.stringify(before.state)) as InstanceState;
    const after = run(latency, every15(240, 300, 1500), stored);
    expect(after.transitions.map((t) => [t.at, t.to])).toEqual([[300, 'firing']]);
    expect(after.state.pendingSince).toBe(at(0).toISOString());
  });

  it('a restart that took longer than the gap tolerance starts the clock again', () => {
    const before = run(latency, every15(0, 150, 1500));
    const after = run(latency, every15(600, 900, 1500), before.state);
    expect(after.transitions.map((t) => [t.at, t.to])).toEqual([[900, 'firing']]);
    expect(after.state.pendingSince).toBe(at(600).toISOString());
  });

  it('resolved alerts go pending again on a new breach', () => {
    const rule = { ...latency, forSeconds: 30 };
    const r = run(rule, [[0, 1500], [30, 1500], [45, 200], [60, 1500], [90, 1500]]);
    expect(r.transitions.map((t) => t.to)).toEqual(['pending', 'firing', 'resolved', 'pending', 'firing']);
  });

  it('component state rules compare ranks and speak in states', () => {
    const rule: AlertRuleDef = { ...latency, metric: 'component_state', aggregation: 'max', comparison: '>=', threshold: 3, forSeconds: 0, scopeKind: 'component' };
    const r = run(rule, [[0, 2], [15, 3]]);
    expect(r.transitions).toEqual([{ from: 'inactive', to: 'firing', reason: 'partial outage >= partial outage', at: 15 }]);
  });
});

describe('aggregation', () => {
  const w = (...means: number[]) => means.map((m) => ({ n: 2, sum: m * 2, min: m - 1, max: m + 1 }));

  it('computes percentiles as Postgres percentile_cont does', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10], 0.95)).toBe(10);
    expect(percentile([0, 100], 0.95)).toBe(95);
  });

  it('aggregates per node first, then across nodes', () => {
    const nodes = w(100, 200, 300, 400, 1000);
    expect(aggregate(nodes, 'avg')).toBe(400);
    expect(aggregate(nodes, 'max')).toBe(1001);
    expect(aggregate(nodes, 'min')).toBe(99);
    expect(aggregate(nodes, 'sum')).toBe(2000);
    expect(aggregate(nodes, 'p50')).toBe(300);
    expect(aggregate(nodes, 'p95')).toBeCloseTo(880);
    expect(aggregate(nodes, 'rate', 60)).toBeCloseTo(4000 / 60);
  });

  it('has no figure when no node reported, and ignores nodes with no samples', () => {
    expect(aggregate([], 'avg')).toBeNull();
    expect(aggregate([{ n: 0, sum: 0, min: 0, max: 0 }], 'max')).toBeNull();
    expect(aggregate([{ n: 0, sum: 0, min: 0, max: 0 }, ...w(50)], 'avg')).toBe(50);
  });
});

describe('rules', () => {
  it('ships the production readme thresholds', () => {
    expect(DEFAULT_RULES.map((r) => [r.severity, describeRule(r)])).toEqual([
      ['critical', 'P95 latency (P95, each corridor) > 1,000 ms for 5 min'],
      ['critical', 'Error rate (average, each corridor) > 5 % for 5 min'],
      ['critical', 'Queue depth (P95, each corridor) > 5,000 requests for 10 min'],
      ['warning', 'P95 latency (P95, each corridor) > 500 ms for 10 min'],
      ['warning', 'Error rate (average, each corridor) > 1 % for 10 min'],
      ['warning', 'Queue depth (P95, each corridor) > 1,000 requests for 15 min'],
      // Seed 004's "DLQ size > 50" warning.
      ['warning', 'Telemetry dead letters (the whole grid) > 50 batches'],
    ]);
    for (const r of DEFAULT_RULES) expect(ruleProblems(r)).toEqual({});
  });

  it('names what is wrong with a bad rule, field by field', () => {
    expect(
      ruleProblems({ ...latency, name: ' ', threshold: 5_000_000, forSeconds: -1, keepFiringForSeconds: 1.5, scopeKind: 'component' }),
    ).toEqual({
      name: 'Name the rule (at least 3 characters).',
      scopeKind: 'Telemetry is watched per node, site, corridor or the whole grid.',
      threshold: 'P95 latency is between 0 and 3,600,000 ms; a threshold outside can never be crossed.',
      forSeconds: 'Hold for 0 seconds to 24 hours.',
      keepFiringForSeconds: 'Keep firing for 0 seconds to 24 hours.',
    });
    expect(ruleProblems({ ...latency, metric: 'component_state', scopeKind: 'corridor' })).toMatchObject({ scopeKind: 'Component state is watched per component.' });
    expect(ruleProblems({ ...latency, scopeKind: 'all', scopeId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ scopeId: 'The whole grid has no id.' });
  });
});
