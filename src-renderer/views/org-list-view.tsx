import { type ReactNode, useEffect, useRef } from 'react';
import { NoOrg } from '../components/NoOrg';
import { useSystem } from '../stores/system-store';
import { useUi } from '../stores/ui-store';

/**
 * A view that is a list and one item's page ("#/<view>/<id>"), for the signed-in org: the list
 * loads again on a sign-in, a role change or a reconnect, and another org's rows are cleared
 * first, so they never show, not even for the moment a reload takes.
 */
export function OrgListView(props: { title: string; what: string; clear: () => void; load: () => void; list: () => ReactNode; page: (id: string) => ReactNode }) {
  const param = useUi((s) => s.param);
  const session = useSystem((s) => s.info?.session ?? null);
  const epoch = useSystem((s) => s.epoch);
  const shownOrg = useRef<string | null>(null);

  useEffect(() => {
    if (!session) return;
    if (shownOrg.current !== session.orgId) props.clear();
    shownOrg.current = session.orgId;
    props.load();
  }, [session?.orgId, session?.role, epoch]);

  if (!session) return <NoOrg title={props.title} what={props.what} />;
  return <>{param ? props.page(param) : props.list()}</>;
}
