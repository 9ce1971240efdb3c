import { useEffect, useRef } from 'react';
import { NoOrg } from '../../components/NoOrg';
import { useRunbooks } from '../../stores/runbooks-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { RunbookList } from './RunbookList';
import { RunbookPage } from './RunbookPage';

/** /runbooks: the org's runbooks, and one runbook's page, "#/runbooks/<id>". */
export function RunbooksView() {
  const param = useUi((s) => s.param);
  const session = useSystem((s) => s.info?.session ?? null);
  const epoch = useSystem((s) => s.epoch);
  const shownOrg = useRef<string | null>(null);

  useEffect(() => {
    if (!session) return;
    // Another org's runbooks must never show, not even for the moment a reload takes.
    if (shownOrg.current !== session.orgId) useRunbooks.getState().clear();
    shownOrg.current = session.orgId;
    void useRunbooks.getState().loadList();
  }, [session?.orgId, session?.role, epoch]);

  if (!session) return <NoOrg title="Runbooks" what="Runbooks" />;
  if (param) return <RunbookPage key={param} runbookId={param} />;
  return <RunbookList />;
}
