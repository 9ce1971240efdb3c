import { useEffect } from 'react';
import { EmptyState } from '../../components/States';
import { startChecklistsLive, useChecklists } from '../../stores/checklists-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import '../../styles/checklists.css';
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

  if (!session) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Checklists</h1>
        </div>
        <EmptyState title="No org to show">Checklists appear once Mission Control is connected and signed in to an org.</EmptyState>
      </div>
    );
  }
  return param ? <RunPage runId={param} back="checklists" /> : <RunsList />;
}
