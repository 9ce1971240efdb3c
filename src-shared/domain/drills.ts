// Pure rules for failover drills (issue 15): which step may run next, and the outcome
// of a finished drill against its SLA targets. Service and view share these so the
// runbook buttons and the stored state can never disagree.

export const DRILL_STEP_ORDER = ['drain', 'simulate', 'restore'] as const;
export type DrillStepKind = (typeof DRILL_STEP_ORDER)[number];

/** The step that may run now, given the kinds already done; null when all are done. */
export function nextDrillStep(done: readonly DrillStepKind[]): DrillStepKind | null {
  // Done steps must be a prefix of the order; anything else is a corrupt history.
  if (done.length > DRILL_STEP_ORDER.length || done.some((k, i) => k !== DRILL_STEP_ORDER[i])) return null;
  return DRILL_STEP_ORDER[done.length] ?? null;
}

/** Why a requested step is refused, or null when it is the next one in order. */
export function drillStepRefusal(done: readonly DrillStepKind[], requested: DrillStepKind): string | null {
  const next = nextDrillStep(done);
  if (next === requested) return null;
  if (next === null) return `All steps of this drill have run; complete the drill instead of running "${requested}".`;
  return `Step "${requested}" is out of order: run "${next}" first.`;
}

export interface DrillMeasures {
  recoveryMs: number | null;  // null: routing never found valid targets again
  dataLossMs: number | null;  // null: no telemetry to measure the gap
  residencyViolations: number;
}
export interface DrillTargets { recoveryMs: number | null; dataLossMs: number | null }

/** passed only when every measured figure meets its target; each miss gives a reason. */
export function drillOutcome(m: DrillMeasures, t: DrillTargets): { outcome: 'passed' | 'failed'; reasons: string[] } {
  const reasons: string[] = [];
  if (m.residencyViolations > 0) reasons.push(`${m.residencyViolations} routing decision(s) left the residency corridor.`);
  if (m.recoveryMs === null) reasons.push('Routing never found valid targets again during the drill.');
  else if (t.recoveryMs !== null && m.recoveryMs > t.recoveryMs) reasons.push(`Recovery took ${m.recoveryMs} ms, over the SLA target of ${t.recoveryMs} ms.`);
  if (m.dataLossMs !== null && t.dataLossMs !== null && m.dataLossMs > t.dataLossMs) reasons.push(`Data-loss window ${m.dataLossMs} ms is over the SLA target of ${t.dataLossMs} ms.`);
  return { outcome: reasons.length ? 'failed' : 'passed', reasons };
}
