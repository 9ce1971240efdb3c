import { type ComponentState, STATE_LABELS } from './component-status';
import type { Severity } from './incident-lifecycle';
import { HEALTH_LABELS, HEALTH_RANK, HEALTH_STATES, type Health } from './node-health';
import { declaredHealth } from './network-overlay';
import { healthScore } from './scores';

/**
 * THE definition of a corridor's health, used by every view that colours or words a corridor
 * (Operator, the topology graph, the wall display, the site panel). docs/observability.md states it.
 *
 * Three signals, and the corridor shows the worst of them:
 *  - computed from its running nodes' telemetry, by share, so one bad node out of 80 is a warning,
 *    not a red corridor: a quarter or more of the running nodes critical or silent is critical;
 *    any critical or silent node, or a quarter or more warning, is a warning;
 *  - the open incidents that name the corridor (drills excluded: a drill is not the grid's state):
 *    a critical incident is critical, a high one a warning;
 *  - what an operator declared on /status: an outage is critical, degraded performance a warning.
 * The declared state always wins over a better-looking figure; the score stays a figure beside it.
 */
export const CRITICAL_SHARE = 0.25;
export const WARNING_SHARE = 0.25;

export type HealthBasis = 'computed' | 'incident' | 'declared' | 'none';

export interface CorridorHealthInput {
  /** Running nodes (active or draining) of the corridor, by health. */
  counts: Readonly<Record<Health, number>>;
  /** The corridor's declared /status state, if it has a component. */
  declared?: ComponentState | null;
  /** Open incidents naming the corridor. */
  incidents?: readonly { severity: Severity; drill: boolean }[];
}

export interface CorridorHealth {
  /** The colour and word every view shows. */
  health: Health;
  /** Which signal decided it: the person's declaration wins ties, then an incident, then telemetry. */
  basis: HealthBasis;
  /** From telemetry alone. */
  computed: Health;
  declared: ComponentState | null;
  running: number;
  critical: number;
  /** The health score (0–100, null with no running nodes): a figure, never the verdict. */
  score: number | null;
  /** One line saying why, for tooltips and the drill-down. */
  explain: string;
}

export const emptyCounts = (): Record<Health, number> => Object.fromEntries(HEALTH_STATES.map((h) => [h, 0])) as Record<Health, number>;

/** Running nodes (active or draining) by health: the counts the definition takes. */
export function runningCounts(nodes: Iterable<{ lifecycle: string; health: Health }>): Record<Health, number> {
  const out = emptyCounts();
  for (const n of nodes) if (n.lifecycle === 'active' || n.lifecycle === 'draining') out[n.health] += 1;
  return out;
}

export function computedCorridorHealth(counts: Readonly<Record<Health, number>>): Health {
  const running = HEALTH_STATES.reduce((n, h) => n + counts[h], 0);
  if (running === 0) return 'unknown';
  const down = counts.critical + counts.stale + counts.unknown;
  if (down / running >= CRITICAL_SHARE) return 'critical';
  if (down > 0 || counts.warning / running >= WARNING_SHARE) return 'warning';
  return 'healthy';
}

function incidentHealth(incidents: CorridorHealthInput['incidents']): { health: Health | null; severity: Severity | null } {
  let worst: Severity | null = null;
  for (const i of incidents ?? []) {
    if (i.drill) continue;
    if (i.severity === 'critical') return { health: 'critical', severity: 'critical' };
    if (i.severity === 'high') worst = 'high';
  }
  return worst ? { health: 'warning', severity: worst } : { health: null, severity: null };
}

/** Only critical and warning outrank telemetry from another signal; "no data" stays no data. */
const rank = (h: Health | null) => (h === 'critical' || h === 'warning' ? HEALTH_RANK[h] : -1);

export function corridorHealth(input: CorridorHealthInput): CorridorHealth {
  const running = HEALTH_STATES.reduce((n, h) => n + input.counts[h], 0);
  const computed = computedCorridorHealth(input.counts);
  const declared = input.declared ?? null;
  const fromDeclared = declaredHealth(declared);
  const fromIncident = incidentHealth(input.incidents);
  const score = healthScore({ ...input.counts }).value;

  let health = computed;
  let basis: HealthBasis = running === 0 ? 'none' : 'computed';
  if (rank(fromIncident.health) > rank(health) || (rank(fromIncident.health) >= 0 && rank(fromIncident.health) === rank(health))) {
    health = fromIncident.health!;
    basis = 'incident';
  }
  if (fromDeclared && rank(fromDeclared) >= rank(health)) {
    health = fromDeclared;
    basis = 'declared';
  }

  const figures = running === 0 ? 'no running nodes' : `${input.counts.critical + input.counts.stale + input.counts.unknown} of ${running} running nodes critical or silent, ${input.counts.warning} warning`;
  const explain =
    basis === 'declared'
      ? `${STATE_LABELS[declared!]} (declared); computed: ${HEALTH_LABELS[computed].toLowerCase()} (${figures})`
      : basis === 'incident'
        ? `Open ${fromIncident.severity} incident; computed: ${HEALTH_LABELS[computed].toLowerCase()} (${figures})`
        : `${HEALTH_LABELS[computed]} (${figures})`;
  return { health, basis, computed, declared, running, critical: input.counts.critical, score, explain };
}

/** What to write beside the colour: the declared state's words when it decided, else the health's. */
export function corridorHealthLabel(h: CorridorHealth): string {
  if (h.basis === 'declared' && h.declared) return `${STATE_LABELS[h.declared]} (declared)`;
  if (h.basis === 'incident') return `${HEALTH_LABELS[h.health]} (incident)`;
  return h.running === 0 ? 'No running nodes' : HEALTH_LABELS[h.health];
}

/** Declared state and open incidents per corridor id, from the network overlay's corridors. */
export function corridorSignals(
  corridors: readonly { corridorId: string; component: { state: ComponentState } | null; incidents: readonly { severity: Severity; drill: boolean }[] }[],
): Map<string, Omit<CorridorHealthInput, 'counts'>> {
  return new Map(corridors.map((c) => [c.corridorId, { declared: c.component?.state ?? null, incidents: c.incidents }]));
}
