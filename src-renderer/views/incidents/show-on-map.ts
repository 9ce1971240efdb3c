import { NO_FILTERS } from '../../../src-shared/domain/network';
import { useGrid } from '../../stores/grid-store';
import { useIncidents } from '../../stores/incidents-store';
import { useNetwork } from '../../stores/network-store';
import { useUi } from '../../stores/ui-store';
import { blastRadius } from './blast-radius';

/**
 * One action from an incident to the map: the corridors it touches are the map's filter (framed),
 * its sites are listed in a banner over the map (a drill says it is a drill), and a single site is
 * selected. Esc or "Whole grid" on the banner returns to the full map.
 */
export async function showOnMap(incidentId: string): Promise<void> {
  const ui = useUi.getState();
  const detail = useIncidents.getState().detail;
  if (!detail || detail.incident.id !== incidentId) return;
  // The grid may not be loaded yet (no map or node list opened this session).
  if (!useGrid.getState().overview) await useGrid.getState().load();
  const { overview, nodes } = useGrid.getState();
  const i = detail.incident;
  const r = blastRadius(detail.affected, overview?.sites ?? [], nodes);
  if (r.siteIds.length === 0) {
    ui.toast('info', `${i.ref} names no corridor, site or node yet: add what it affects (Affected → Add…) to see it on the map.`);
    return;
  }
  const net = useNetwork.getState();
  net.select(r.siteIds.length === 1 ? { kind: 'site', id: r.siteIds[0]!, siteId: r.siteIds[0]! } : null, r.siteIds.length === 1);
  useNetwork.setState({
    filters: { ...NO_FILTERS, corridorIds: r.corridorIds },
    blast: { incidentId: i.id, ref: i.ref, title: i.title, severity: i.severity, drill: i.drill, ...r },
    fitSeq: useNetwork.getState().fitSeq + 1,
  });
  ui.navigate('network', r.siteIds.length === 1 ? r.siteIds[0]! : null);
}
