/**
 * A node's lifecycle, set by operators (health is separate and comes from telemetry).
 * registered → active → draining → offline → retired, with the way back an operator needs:
 * a draining node can be returned to service, an offline one brought back or drained again.
 */
export const LIFECYCLES = ['registered', 'active', 'draining', 'offline', 'retired'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

export const LIFECYCLE_LABELS: Record<Lifecycle, string> = {
  registered: 'Registered',
  active: 'Active',
  draining: 'Draining',
  offline: 'Offline',
  retired: 'Retired',
};

const NEXT: Record<Lifecycle, readonly Lifecycle[]> = {
  registered: ['active', 'retired'],
  active: ['draining', 'offline'],
  draining: ['active', 'offline'],
  offline: ['active', 'draining', 'retired'],
  retired: [],
};

export function allowedTransitions(from: Lifecycle): readonly Lifecycle[] {
  return NEXT[from];
}

export function canTransition(from: Lifecycle, to: Lifecycle): boolean {
  return NEXT[from].includes(to);
}

/** Routing may send new work only to active nodes. */
export function acceptsTraffic(l: Lifecycle): boolean {
  return l === 'active';
}
