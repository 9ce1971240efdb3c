import { useRunbooks } from '../../stores/runbooks-store';
import { OrgListView } from '../org-list-view';
import { RunbookList } from './RunbookList';
import { RunbookPage } from './RunbookPage';

/** /runbooks: the org's runbooks, and one runbook's page, "#/runbooks/<id>". */
export function RunbooksView() {
  return (
    <OrgListView
      title="Runbooks"
      what="Runbooks"
      clear={() => useRunbooks.getState().clear()}
      load={() => void useRunbooks.getState().loadList()}
      list={() => <RunbookList />}
      page={(id) => <RunbookPage key={id} runbookId={id} />}
    />
  );
}
