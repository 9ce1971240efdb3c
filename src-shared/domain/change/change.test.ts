import { describe, expect, it } from 'vitest';
import { DEFAULT_CANARY_STAGES, decideCanary, stageProblems } from './canary';
import { doraFigures, type RunRecord } from './dora';
import { evaluateFlag, type FlagSetting } from './flags';

const T0 = new Date('2026-03-01T10:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);

describe('canary decisions', () => {
  const state = { stages: DEFAULT_CANARY_STAGES, stageIndex: 0, stageStartedAt: T0 };

  it('waits out the window, then promotes to the next stage, and succeeds after the last', () => {
    expect(decideCanary(state, min(14), [])).toEqual({ kind: 'wait', remainingMs: 60_000 });
    expect(decideCanary(state, min(15), [])).toEqual({ kind: 'promote', toIndex: 1, percent: 50 });
    expect(decideCanary({ ...state, stageIndex: 2 }, min(60), [])).toEqual({ kind: 'succeed' });
  });

  it('aborts on a critical alert in the window and holds on a warning', () => {
    expect(decideCanary(state, min(15), [{ ruleName: 'p95', severity: 'critical', firedAt: min(3) }])).toMatchObject({ kind: 'abort', reason: expect.stringContaining('p95') });
    expect(decideCanary(state, min(15), [{ ruleName: 'temp', severity: 'warning', firedAt: min(3) }])).toMatchObject({ kind: 'hold' });
  });

  it('ignores alerts that fired before the window began', () => {
    expect(decideCanary(state, min(15), [{ ruleName: 'old', severity: 'critical', firedAt: min(-1) }])).toMatchObject({ kind: 'promote' });
  });

  it('refuses plans that do not climb to 100%', () => {
    expect(stageProblems(DEFAULT_CANARY_STAGES)).toEqual([]);
    expect(stageProblems([{ percent: 50, windowMinutes: 5 }, { percent: 10, windowMinutes: 5 }])[0]).toMatch(/more traffic/);
    expect(stageProblems([{ percent: 10, windowMinutes: 5 }])).toEqual(['The last stage must reach 100%.']);
    expect(stageProblems([{ percent: 100, windowMinutes: 0 }])[0]).toMatch(/window/);
  });
});

describe('DORA figures from run records', () => {
  const run = (status: RunRecord['status'], created: number, finished: number | null, corridorId: string | null = null): RunRecord => ({
    environment: 'production',
    corridorId,
    status,
    createdAt: min(created),
    finishedAt: finished === null ? null : min(finished),
  });

  it('counts deployments, failure rate, restore and lead times per environment and corridor', () => {
    const runs = [run('succeeded', 0, 30), run('failed', 40, 50), run('succeeded', 60, 110), run('rolled_back', 200, 210), run('succeeded', 0, 20, 'c1'), run('planned', 5, null)];
    const [prod, prodC1] = doraFigures(runs, min(0), min(7 * 24 * 60));
    expect(prod).toMatchObject({ environment: 'production', corridorId: null, deployments: 2, perWeek: 2, changeFailureRate: 0.5, medianRestoreMinutes: 60, unrestored: 1, medianLeadMinutes: 40 });
    expect(prodC1).toMatchObject({ corridorId: 'c1', deployments: 1, changeFailureRate: 0, medianRestoreMinutes: null, medianLeadMinutes: 20 });
  });

  it('says nothing is known rather than zero when nothing finished', () => {
    expect(doraFigures([run('planned', 0, null)], min(0), min(60))[0]).toMatchObject({ deployments: 0, changeFailureRate: null, medianLeadMinutes: null });
  });
});

describe('flag evaluation', () => {
  const s = (over: Partial<FlagSetting>): FlagSetting => ({ key: 'model.llama', scopeKind: 'org', scopeId: null, enabled: true, safeDefault: false, ...over });
  const settings = [s({}), s({ scopeKind: 'corridor', scopeId: 'eu', enabled: false }), s({ scopeKind: 'customer', scopeId: 'acme', enabled: true })];

  it('takes the most specific matching scope', () => {
    expect(evaluateFlag(settings, 'model.llama', {}, false)).toEqual({ enabled: true, source: 'org' });
    expect(evaluateFlag(settings, 'model.llama', { corridorId: 'eu' }, true)).toEqual({ enabled: false, source: 'corridor' });
    expect(evaluateFlag(settings, 'model.llama', { corridorId: 'eu', customerId: 'acme' }, false)).toEqual({ enabled: true, source: 'customer' });
  });

  it('falls to the safe default when flags cannot be read or nothing matches', () => {
    expect(evaluateFlag(null, 'model.llama', {}, false)).toEqual({ enabled: false, source: 'safe-default' });
    expect(evaluateFlag([], 'unknown', {}, true)).toEqual({ enabled: true, source: 'safe-default' });
    expect(evaluateFlag([s({ scopeKind: 'corridor', scopeId: 'eu', safeDefault: true, enabled: false })], 'model.llama', { corridorId: 'us' }, false)).toEqual({
      enabled: true,
      source: 'safe-default',
    });
  });
});
