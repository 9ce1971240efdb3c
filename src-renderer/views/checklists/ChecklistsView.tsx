import { useEffect } from 'react';
import { startChecklistsLive, useChecklists } from '../../stores/checklists-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import '../../styles/checklists.css';
import { NoOrg } from '../../components/NoOrg';
import { RunPage } from './RunPage';
import { RunsList } from './RunsList';

/**
 * /checklists: this period's daily, weekly and monthly checklists and the recent runs;
 * /checklists/<runId>: one run, item by item. Live: a tick anywhere shows here within a moment.
 */
export function ChecklistsView() {
  const param = useUi((s) => s.param);
  const session = useSystem((s) => s.info?.session);
  const epoch = useSystem((s) => s.epoch);

  useEffect(() => startChecklistsLive({ list: true }), []);
  useEffect(() => {
    if (session) void useChecklists.getState().load();
  }, [session?.orgId, epoch]);

  if (!session) return <NoOrg title="Checklists" />;
  return param ? <RunPage runId={param} back="checklists" /> : <RunsList />;
}
