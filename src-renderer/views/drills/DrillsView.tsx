import { useEffect, useRef } from 'react';
import { NoOrg } from '../../components/NoOrg';
import { useDrills } from '../../stores/drills-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { DrillList } from './DrillList';
import { DrillPage } from './DrillPage';

/** /drills: the drills (newest first) and one drill's page, "#/drills/<id>". */
export function DrillsView() {
  const param = useUi((s) => s.param);
  const session = useSystem((s) => s.info?.session ?? null);
  const epoch = useSystem((s) => s.epoch);
  const shownOrg = useRef<string | null>(null);

  useEffect(() => {
    if (!session) return;
    // Another org's drills must never show, not even for the moment a reload takes.
    if (shownOrg.current !== session.orgId) useDrills.getState().clear();
    shownOrg.current = session.orgId;
    void useDrills.getState().loadList();
  }, [session?.orgId, session?.role, epoch]);

  if (!session) return <NoOrg title="Failover drills" what="Drills" />;
  if (param) return <DrillPage key={param} drillId={param} />;
  return <DrillList />;
}
