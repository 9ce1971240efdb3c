import type { ComponentState } from './component-status';
import { distanceKm, type SiteFigure } from './network';
import { type Health, HEALTH_RANK } from './node-health';

/**
 * What an operator declares about a corridor on /status shows on its sites: an outage (partial or
 * major) as critical, degraded performance as a warning. Maintenance is planned and changes no
 * colour (the corridor is outlined as under maintenance instead).
 */
export function declaredHealth(state: ComponentState | null | undefined): Health | null {
  if (state === 'partial_outage' || state === 'major_outage') return 'critical';
  if (state === 'degraded_performance') return 'warning';
  return null;
}

/** A site's colour: the worse of its nodes' telemetry and its corridor's declared state. */
export function shownHealth(telemetry: Health, corridorState: ComponentState | null | undefined): Health {
  const declared = declaredHealth(corridorState);
  return declared && HEALTH_RANK[declared] > HEALTH_RANK[telemetry] ? declared : telemetry;
}

export interface Flow {
  id: string;
  corridorId: string;
  from: string;
  to: string;
  /** Running capacity (tokens/s) that has to go somewhere else. */
  capacity: number;
  /** Why the site's traffic moves: its worst health. */
  health: Health;
}

/**
 * Where a site's traffic fails over to: each site whose running nodes are critical or silent sends
 * its capacity to the nearest site of the same corridor (residency keeps traffic in the corridor)
 * that is healthy or only warning and has running capacity. A site with no such neighbour has no
 * flow: the corridor cannot absorb it, which the side panel says.
 */
export function failoverFlows(sites: readonly SiteFigure[], healthOf: (s: SiteFigure) => Health = (s) => s.health): Flow[] {
  const byCorridor = new Map<string, SiteFigure[]>();
  for (const s of sites) {
    const list = byCorridor.get(s.corridorId);
    if (list) list.push(s);
    else byCorridor.set(s.corridorId, [s]);
  }
  const out: Flow[] = [];
  for (const [corridorId, list] of byCorridor) {
    // Capacity open to new work: a drained site's nodes finish what they hold and take nothing new,
    // so traffic neither fails over into it nor away from it.
    const open = (s: SiteFigure) => s.capacity - s.drainingCapacity > 0;
    const healthy = list.filter((s) => open(s) && (healthOf(s) === 'healthy' || healthOf(s) === 'warning'));
    for (const s of list) {
      const h = healthOf(s);
      if (!open(s) || (h !== 'critical' && h !== 'stale')) continue;
      let best: SiteFigure | null = null;
      let bestKm = Infinity;
      for (const o of healthy) {
        if (o.id === s.id) continue;
        const km = distanceKm(s, o);
        if (km < bestKm || (km === bestKm && best !== null && o.id < best.id)) {
          best = o;
          bestKm = km;
        }
      }
      if (best) out.push({ id: `flow:${s.id}:${best.id}`, corridorId, from: s.id, to: best.id, capacity: s.capacity, health: h });
    }
  }
  return out;
}
