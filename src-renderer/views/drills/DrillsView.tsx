import { useDrills } from '../../stores/drills-store';
import { OrgListView } from '../org-list-view';
import { DrillList } from './DrillList';
import { DrillPage } from './DrillPage';

/** /drills: the drills (newest first) and one drill's page, "#/drills/<id>". */
export function DrillsView() {
  return (
    <OrgListView
      title="Failover drills"
      what="Drills"
      clear={() => useDrills.getState().clear()}
      load={() => void useDrills.getState().loadList()}
      list={() => <DrillList />}
      page={(id) => <DrillPage key={id} drillId={id} />}
    />
  );
}
