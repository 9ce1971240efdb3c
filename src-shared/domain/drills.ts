import { allowedCorridors, type RoutingDecision, type RoutingRequest, type RoutingSnapshot, type SnapshotIndex } from './routing';
import { checkSiteCountry } from './residency';

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


export type ResidencyVerdict = { kind: 'unserved' } | { kind: 'inside' } | { kind: 'outside'; reason: string };
const outside = (reason: string): ResidencyVerdict => ({ kind: 'outside', reason });

/**
 * Whether a decision kept the request inside residency: the serving corridor is one the request
 * may use (home, or its SLA's fallback), the site's country is allowed by that corridor, and the
 * home corridor does not block it. Computed again from the decision, not taken from the engine,
 * so a drill checks the engine rather than trusting it. 'unserved' when nothing was selected.
 */
export function residencyVerdict(snapshot: RoutingSnapshot, index: SnapshotIndex, req: RoutingRequest, d: RoutingDecision): ResidencyVerdict {
  if (!d.selected) return { kind: 'unserved' };
  const sel = d.selected;
  if (!allowedCorridors(req, index, d.regulated).includes(sel.corridorId)) return outside(`${sel.hostname} is in ${sel.corridorName}, which ${req.customerName} may not use.`);
  const site = snapshot.candidates.find((c) => c.siteId === sel.siteId);
  const serving = snapshot.corridors.find((c) => c.id === sel.corridorId);
  const home = snapshot.corridors.find((c) => c.id === req.homeCorridorId);
  if (!site || !serving || !home) return outside(`${sel.hostname}'s site or corridor is not in the snapshot.`);
  const own = checkSiteCountry(serving.name, serving.policy, site.siteCountry);
  if (!own.ok) return outside(own.message);
  if (home.policy.blockedCountries.includes(site.siteCountry.toUpperCase())) return outside(`${home.name}'s residency policy blocks ${site.siteCountry}.`);
  return { kind: 'inside' };
}

/**
 * The data-loss window of a drill: the longest stretch between start and end in which no node of
 * the scope sent telemetry. null when the scope sent none at all in the window: then nothing can
 * be measured, and the drill says so instead of claiming zero loss.
 */
export function longestGapMs(sampleTimes: readonly number[], start: number, end: number): number | null {
  const inside = sampleTimes.filter((t) => t >= start && t <= end).sort((a, b) => a - b);
  if (inside.length === 0) return null;
  let prev = start;
  let gap = 0;
  for (const t of [...inside, end]) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return gap;
}

/** One re-run simulation as a drill step records it (and the runbook shows it). */
export interface SimulationOutcome {
  customerName: string;
  model: string;
  origin: string;
  selected: string | null;
  corridor: string | null;
  residency: ResidencyVerdict['kind'];
  note: string | null;
}
