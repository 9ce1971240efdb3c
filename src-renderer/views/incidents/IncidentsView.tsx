import { useEffect, useRef } from 'react';
import { EmptyState } from '../../components/States';
import { startIncidentsLive, useIncidents } from '../../stores/incidents-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import '../../styles/incidents.css';
import { IncidentDetailView } from './IncidentDetailView';
import { IncidentList } from './IncidentList';
import { PoliciesPage } from './PoliciesPage';
import { POLICIES } from './Tabs';

/**
 * /incidents: the list (open first, worst first), one incident's page with its timeline and every
 * command an incident commander needs, and the escalation policies.
 */
export function IncidentsView() {
  const param = useUi((s) => s.param);
  const session = useSystem((s) => s.info?.session ?? null);
  const epoch = useSystem((s) => s.epoch);
  const orgId = session?.orgId ?? null;
  const sessionKey = session ? `${session.orgId}:${session.operatorId}:${session.role}` : null;
  const shownOrg = useRef<string | null>(null);
  const detailId = param && param !== POLICIES ? param : null;

  useEffect(() => startIncidentsLive(), []);
  useEffect(() => useIncidents.getState().openDetail(detailId), [detailId]);
  useEffect(() => {
    if (!orgId) return;
    // Another org's incidents must never show, not even for the moment a reload takes.
    if (shownOrg.current !== orgId) useIncidents.getState().clear();
    shownOrg.current = orgId;
    void useIncidents.getState().reloadAll();
  }, [sessionKey, epoch]);

  if (!session) {
    return (
      <div className="view inc-view">
        <div className="view-head">
          <h1>Incidents</h1>
        </div>
        <EmptyState title="No org to show">Incidents appear once Mission Control is connected and signed in to an org.</EmptyState>
      </div>
    );
  }
  if (param === POLICIES) return <PoliciesPage />;
  if (detailId) return <IncidentDetailView key={detailId} incidentId={detailId} />;
  return <IncidentList />;
}
