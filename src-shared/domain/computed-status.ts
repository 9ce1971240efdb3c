import { type ComponentKind, type ComponentState, STATE_LABELS, stateRank } from './component-status';
import { computedCorridorHealth } from './corridor-health';
import type { Severity } from './incident-lifecycle';
import { HEALTH_STATES, type Health } from './node-health';

/**
 * A component's state computed from the records behind it (docs/observability.md, "Component
 * status"). `state: null` means nothing stands behind the component: it says "no data", never
 * "operational". Pure: the service gathers the facts, these rules judge them.
 */
export interface Computed {
  state: ComponentState | null;
  /** The facts in words, so an operator can check the verdict. */
  explain: string;
}

/**
 * A corridor component: its nodes by the one corridor definition (corridor-health: by share), every
 * running node down is a major outage, and an open critical (high) incident on the corridor raises
 * it to a partial outage (degraded performance). Drills are not the grid's state and do not count.
 */
export function computedCorridor(counts: Readonly<Record<Health, number>>, incidents: readonly { severity: Severity; drill: boolean }[] = []): Computed {
  const running = HEALTH_STATES.reduce((n, h) => n + counts[h], 0);
  const real = incidents.filter((i) => !i.drill);
  const incident = real.some((i) => i.severity === 'critical') ? 'critical' : real.some((i) => i.severity === 'high') ? 'high' : null;
  if (running === 0 && !incident) return { state: null, explain: 'No running nodes: nothing to measure.' };
  const down = counts.critical + counts.stale + counts.unknown;
  const health = computedCorridorHealth(counts);
  let state: ComponentState =
    running === 0 ? 'operational' : down === running ? 'major_outage' : health === 'critical' ? 'partial_outage' : health === 'warning' ? 'degraded_performance' : 'operational';
  if (incident === 'critical' && stateRank(state) < stateRank('partial_outage')) state = 'partial_outage';
  if (incident === 'high' && stateRank(state) < stateRank('degraded_performance')) state = 'degraded_performance';
  const facts = running === 0 ? 'no running nodes' : `${down} of ${running} running nodes critical or silent, ${counts.warning} warning`;
  return { state, explain: incident ? `Open ${incident} incident on the corridor; ${facts}.` : `${facts[0]!.toUpperCase()}${facts.slice(1)}.` };
}

/** The database: the status query itself reached it, which is what "operational" can honestly mean here. */
export function computedDatabase(f: { answeredMs: number }): Computed {
  if (f.answeredMs > 2000) return { state: 'degraded_performance', explain: `Answered, slowly (${f.answeredMs} ms).` };
  return { state: 'operational', explain: `Answered this status query in ${f.answeredMs} ms.` };
}

export interface TelemetryFacts {
  runningNodes: number;
  /** Running nodes with a sample in the last 5 minutes. */
  reportingNodes: number;
  /** Batches accepted and refusals counted in the last 5 minutes. */
  acceptedBatches: number;
  refusedBatches: number;
}

/**
 * The telemetry pipeline from its flow: the share of running nodes whose samples arrive, and
 * refusals against what was accepted. Nothing to receive from (no running node) is no data.
 */
export function computedTelemetry(f: TelemetryFacts): Computed {
  if (f.runningNodes === 0) return { state: null, explain: 'No running nodes: nothing should report.' };
  const share = f.reportingNodes / f.runningNodes;
  const refusedShare = f.refusedBatches / Math.max(1, f.acceptedBatches + f.refusedBatches);
  const facts = `${f.reportingNodes} of ${f.runningNodes} running nodes reported in the last 5 minutes; ${f.acceptedBatches} batches accepted, ${f.refusedBatches} refused`;
  const state: ComponentState =
    f.reportingNodes === 0 ? 'major_outage' : share < 0.75 ? 'partial_outage' : share < 0.95 || refusedShare > 0.1 ? 'degraded_performance' : 'operational';
  return { state, explain: `${facts}.` };
}

/** Routing and runtimes: judged from their probes, and nothing probes them yet. */
export function computedUnprobed(kind: ComponentKind): Computed {
  return { state: null, explain: `No probe reports on this ${kind === 'routing' ? 'routing layer' : kind} yet: nothing stands behind it.` };
}

export type StatusBasis = 'declared' | 'computed' | 'none';

export interface Effective {
  /** The worse of declared and computed; null when neither exists ("no data"). */
  state: ComponentState | null;
  basis: StatusBasis;
}

/**
 * The roll-up's rule: the worse of what a person declared and what the records say. A declaration
 * decides a tie (it carries a reason), and never hides a worse computed state.
 */
export function effectiveState(declared: ComponentState | null, computed: ComponentState | null): Effective {
  if (declared === null && computed === null) return { state: null, basis: 'none' };
  if (computed === null) return { state: declared, basis: 'declared' };
  if (declared === null) return { state: computed, basis: 'computed' };
  return stateRank(declared) >= stateRank(computed) ? { state: declared, basis: 'declared' } : { state: computed, basis: 'computed' };
}

/** "declared by Ana because fibre cut, computed: degraded performance", for the status line. */
export function declaredLine(d: { state: ComponentState; by: string | null; reason: string | null }, computed: Computed): string {
  const who = d.by ? ` by ${d.by}` : '';
  const why = d.reason ? ` because ${d.reason}` : '';
  return `${STATE_LABELS[d.state]} declared${who}${why}; computed: ${computed.state ? STATE_LABELS[computed.state].toLowerCase() : 'no data'}`;
}
