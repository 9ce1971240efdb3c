import { useIncidents } from '../../stores/incidents-store';
import { useRouting } from '../../stores/routing-store';
import { useRuntimes } from '../../stores/runtimes-store';
import { useUi } from '../../stores/ui-store';
import { outageOf } from './blast-radius';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * An incident's blast radius in customers' terms: routing's what-if with exactly what the incident
 * names taken down (outageOf), shown on Routing: which customers' traffic would move, where, and
 * which could no longer be served. A commander reads it before draining anything; it drains and
 * records nothing.
 */
export async function customerImpact(incidentId: string): Promise<void> {
  const ui = useUi.getState();
  const detail = useIncidents.getState().detail;
  if (!detail || detail.incident.id !== incidentId) return;
  const i = detail.incident;
  if (detail.affected.length === 0) {
    ui.toast('info', `${i.ref} names no corridor, site or node yet: add what it affects (Affected → Add…) to see its customer impact.`);
    return;
  }
  // Nodes take down their runtimes, as connected now (the list is live only while Runtimes is open).
  await useRuntimes.getState().load();
  const { runtimes, error } = useRuntimes.getState();
  if (!runtimes || error) {
    ui.toast('error', `Could not load the runtimes, so ${i.ref}'s nodes cannot be taken down in a what-if: ${error ?? 'try again'}.`);
    return;
  }
  const outage = outageOf(detail.affected, runtimes);
  // The run is titled by the incident and names what it takes down, as the incident lists it.
  const on = (nodeId: string) => runtimes.filter((r) => r.nodeId === nodeId).length;
  const items = detail.affected.map((a) =>
    a.kind === 'node' ? `node ${a.name} (${on(a.id) === 0 ? 'no runtime' : plural(on(a.id), 'runtime', 'runtimes')})` : `${a.kind} ${a.name}`,
  );
  const listed = items.length > 3 ? `${items.slice(0, 3).join(', ')} and ${items.length - 3} more` : items.join(', ');
  const note = outage.idleNodes > 0 ? `${plural(outage.idleNodes, 'node', 'nodes')} it names ${outage.idleNodes === 1 ? 'has' : 'have'} no runtime connected, so no customer traffic runs there to move.` : undefined;
  ui.navigate('routing');
  await useRouting.getState().runWhatIf(
    { corridorIds: outage.corridorIds, siteIds: outage.siteIds, runtimeIds: outage.runtimeIds },
    { id: i.id, name: `what ${i.ref} “${i.title}” names (${listed})`, incidentId: i.id, note },
  );
}
