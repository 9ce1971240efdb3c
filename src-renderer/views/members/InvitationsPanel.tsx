import { useEffect, useState } from 'react';
import type { Invitation } from '../../../src-shared/contract/identity';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { McClientError, call, errorText } from '../../bridge/client';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useInvitations } from '../../stores/invitations-store';
import { useUi } from '../../stores/ui-store';
import { InvitationCodeDialog } from './InvitationCodeDialog';
import { InviteDialog } from './InviteDialog';

/** Admins invite by e-mail with a role; outstanding invitations can be withdrawn (their code stops working at once). */
export function InvitationsPanel() {
  const toast = useUi((s) => s.toast);
  const { invitations, error } = useInvitations();
  const [inviting, setInviting] = useState(false);
  const [created, setCreated] = useState<{ invitation: Invitation; code: string } | null>(null);
  const [withdrawing, setWithdrawing] = useState<Invitation | null>(null);

  useEffect(() => {
    void useInvitations.getState().load();
  }, []);

  const outstanding = invitations?.filter((i) => i.status === 'outstanding') ?? [];
  const settled = (invitations?.length ?? 0) - outstanding.length;

  const withdraw = async (inv: Invitation) => {
    try {
      await call('invitations.withdraw', { id: inv.id });
      toast('ok', `Invitation for ${inv.email} withdrawn: its code no longer works.`);
    } catch (err) {
      toast('error', errorText(err), err instanceof McClientError ? err.requestId : undefined);
    }
    await useInvitations.getState().load();
  };

  return (
    <section className="panel" data-testid="invitations">
      <header>
        Invitations <span className="dim">· {outstanding.length} outstanding</span>
        <div className="actions">
          <button className="btn small primary" onClick={() => setInviting(true)} data-testid="invite" title="Invite someone by e-mail with a role">
            Invite
          </button>
        </div>
      </header>
      {error && !invitations && <ErrorState title="Could not load the invitations" message={error} />}
      {invitations && outstanding.length === 0 && (
        <div className="body dim" data-testid="invitations-empty">
          No invitation is outstanding. Press Invite to add someone: you get a single-use code to pass on, which they enter at their first sign-in.
        </div>
      )}
      {outstanding.length > 0 && (
        <table className="grid" aria-label="Outstanding invitations">
          <thead>
            <tr>
              <th>E-mail</th>
              <th>Role</th>
              <th>Expires</th>
              <th>Invited by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {outstanding.map((i) => (
              <tr key={i.id} data-testid={`invitation-${i.email}`}>
                <td className="mono">{i.email}</td>
                <td>{ROLE_LABELS[i.role]}</td>
                <td>
                  <Time iso={i.expiresAt} mode="local" />
                </td>
                <td>{i.createdBy ?? <span className="faint">unknown</span>}</td>
                <td>
                  <button className="btn small ghost" onClick={() => setWithdrawing(i)}>
                    Withdraw
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {settled > 0 && <div className="body faint">{settled} earlier invitation{settled === 1 ? '' : 's'} accepted, withdrawn or expired (the access review lists who joined).</div>}
      {inviting && (
        <InviteDialog
          onClose={() => setInviting(false)}
          onCreated={(c) => {
            setInviting(false);
            setCreated(c);
            void useInvitations.getState().load();
          }}
        />
      )}
      {created && <InvitationCodeDialog invitation={created.invitation} code={created.code} onClose={() => setCreated(null)} />}
      {withdrawing && (
        <ConfirmDialog
          title={`Withdraw the invitation for ${withdrawing.email}?`}
          confirmLabel="Withdraw invitation"
          danger
          onClose={() => setWithdrawing(null)}
          onConfirm={() => {
            const inv = withdrawing;
            setWithdrawing(null);
            void withdraw(inv);
          }}
        >
          <p>Its code stops working at once. To let them join later, invite them again (a new code).</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
