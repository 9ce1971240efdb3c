/**
 * Component states follow the vocabulary status pages use, so operators and customers read the
 * same words. Ordered from best to worst for the roll-up.
 */
export const COMPONENT_STATES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];

export const COMPONENT_KINDS = ['corridor', 'database', 'telemetry', 'routing', 'runtime'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export const STATE_LABELS: Record<ComponentState, string> = {
  operational: 'Operational',
  under_maintenance: 'Under maintenance',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export const KIND_LABELS: Record<ComponentKind, string> = {
  corridor: 'Corridors',
  database: 'Database',
  telemetry: 'Telemetry pipeline',
  routing: 'Routing',
  runtime: 'Runtimes',
};

/** Severity rank: maintenance is planned, so it ranks below any unplanned degradation. */
export function stateRank(state: ComponentState): number {
  return COMPONENT_STATES.indexOf(state);
}

/**
 * "Incident-level" is what the daily checklist means by "confirm no incident-level components
 * are active": an outage, partial or major. Degraded performance is watched, not an incident.
 */
export function isIncidentLevel(state: ComponentState): boolean {
  return state === 'partial_outage' || state === 'major_outage';
}

export interface RollupInput {
  /** null: nothing stands behind the component ("no data"). */
  state: ComponentState | null;
}

export interface Rollup {
  /** The worst state among the components that have one; `operational` when there are none. */
  state: ComponentState;
  headline: string;
  counts: Record<ComponentState, number>;
  /** Components with neither a computed nor a declared state. */
  noData: number;
  incidentLevel: number;
  total: number;
}

export function rollup(components: readonly RollupInput[]): Rollup {
  const counts = Object.fromEntries(COMPONENT_STATES.map((s) => [s, 0])) as Record<ComponentState, number>;
  let worst: ComponentState = 'operational';
  let noData = 0;
  for (const c of components) {
    if (c.state === null) {
      noData += 1;
      continue;
    }
    counts[c.state] += 1;
    if (stateRank(c.state) > stateRank(worst)) worst = c.state;
  }
  const incidentLevel = counts.partial_outage + counts.major_outage;
  return { state: worst, headline: headlineFor(worst, components.length, noData), counts, noData, incidentLevel, total: components.length };
}

function headlineFor(worst: ComponentState, total: number, noData: number): string {
  if (total === 0) return 'No components yet';
  if (noData === total) return 'No data behind any component';
  switch (worst) {
    case 'operational':
      // Never "all operational" while some component has nothing behind it.
      return noData === 0 ? 'All components operational' : `Operational where measured; ${noData} without data`;
    case 'under_maintenance':
      return 'Maintenance in progress';
    case 'degraded_performance':
      return 'Degraded performance';
    case 'partial_outage':
      return 'Partial outage';
    case 'major_outage':
      return 'Major outage';
  }
}
