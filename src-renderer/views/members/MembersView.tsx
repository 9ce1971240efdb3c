import { NoOrg } from '../../components/NoOrg';
import { useSystem } from '../../stores/system-store';
import { AccessReviewPanel } from './AccessReviewPanel';
import { InvitationsPanel } from './InvitationsPanel';
import { MembersPanel } from './MembersPanel';

/**
 * /members: who may act in the org. Admins change roles, suspend, reinstate and remove (each
 * confirmed, with a reason for the audit log); admins and auditors run the monthly access review.
 */
export function MembersView() {
  const session = useSystem((s) => s.info?.session);
  if (!session) return <NoOrg title="Members" what="The members of an org" />;
  return (
    <div className="view">
      <div className="view-head">
        <h1>Members</h1>
        <span className="sub">
          {session.orgName} · you are {session.operatorName}
        </span>
      </div>
      <div className="stack">
        <MembersPanel />
        {session.role === 'admin' && <InvitationsPanel />}
        {(session.role === 'admin' || session.role === 'auditor') && <AccessReviewPanel />}
      </div>
    </div>
  );
}
