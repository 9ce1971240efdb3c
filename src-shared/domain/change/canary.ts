/**
 * Canary releases: a deployment moves through stages (default 10% → 50% → 100%), each with a
 * monitoring window. A stage is promoted only after a whole window in which no alert fired on the
 * deployment's target; a firing critical alert aborts the run and marks it for rollback; any other
 * firing alert holds the stage and starts its window again. Pure: the clock and the alerts are given.
 */
export interface CanaryStage {
  percent: number;
  windowMinutes: number;
}

export const DEFAULT_CANARY_STAGES: readonly CanaryStage[] = [
  { percent: 10, windowMinutes: 15 },
  { percent: 50, windowMinutes: 30 },
  { percent: 100, windowMinutes: 60 },
];

export interface CanaryState {
  stages: readonly CanaryStage[];
  stageIndex: number;
  stageStartedAt: Date;
}

/** An alert on the target that fired at some point in the window (or fires still). */
export interface TargetAlert {
  ruleName: string;
  severity: 'critical' | 'warning' | 'info';
  firedAt: Date;
}

export type CanaryDecision =
  | { kind: 'wait'; remainingMs: number }
  | { kind: 'promote'; toIndex: number; percent: number }
  | { kind: 'succeed' }
  | { kind: 'hold'; reason: string }
  | { kind: 'abort'; reason: string };

/** Problems with a stage plan, or [] when it is usable. */
export function stageProblems(stages: readonly CanaryStage[]): string[] {
  const out: string[] = [];
  if (stages.length === 0) return out;
  if (stages.length > 10) out.push('A canary has at most 10 stages.');
  let last = 0;
  for (const [i, s] of stages.entries()) {
    if (!Number.isInteger(s.percent) || s.percent < 1 || s.percent > 100) out.push(`Stage ${i + 1}: the percentage must be a whole number from 1 to 100.`);
    else if (s.percent <= last) out.push(`Stage ${i + 1}: each stage must send more traffic than the one before (${s.percent}% after ${last}%).`);
    if (!Number.isInteger(s.windowMinutes) || s.windowMinutes < 1 || s.windowMinutes > 7 * 24 * 60)
      out.push(`Stage ${i + 1}: the monitoring window must be 1 minute to 7 days.`);
    last = s.percent;
  }
  if (last !== 100 && out.length === 0) out.push('The last stage must reach 100%.');
  return out;
}

export function decideCanary(state: CanaryState, now: Date, alerts: readonly TargetAlert[]): CanaryDecision {
  const stage = state.stages[state.stageIndex];
  if (!stage) return { kind: 'abort', reason: `The run is at stage ${state.stageIndex + 1}, which its plan does not have.` };
  const inWindow = alerts.filter((a) => a.firedAt.getTime() >= state.stageStartedAt.getTime() && a.firedAt.getTime() <= now.getTime());
  const critical = inWindow.find((a) => a.severity === 'critical');
  if (critical) return { kind: 'abort', reason: `Critical alert “${critical.ruleName}” fired on the target at ${stage.percent}%.` };
  const other = inWindow[0];
  if (other) return { kind: 'hold', reason: `${other.severity === 'warning' ? 'Warning' : 'Alert'} “${other.ruleName}” fired on the target during the ${stage.percent}% window; the window starts again.` };
  const remainingMs = state.stageStartedAt.getTime() + stage.windowMinutes * 60_000 - now.getTime();
  if (remainingMs > 0) return { kind: 'wait', remainingMs };
  const next = state.stages[state.stageIndex + 1];
  if (!next) return { kind: 'succeed' };
  return { kind: 'promote', toIndex: state.stageIndex + 1, percent: next.percent };
}
