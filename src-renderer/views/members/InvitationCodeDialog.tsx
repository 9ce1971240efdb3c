import type { Invitation } from '../../../src-shared/contract/identity';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { Dialog } from '../../components/Dialog';
import { useCopyOnce } from '../../components/use-copy-once';
import { localTime } from '../../components/Time';

/**
 * The invitation code, this once: only its hash is stored, and no mail is sent. The admin passes
 * it on; closing without copying asks first.
 */
export function InvitationCodeDialog({ invitation, code, onClose }: { invitation: Invitation; code: string; onClose: () => void }) {
  const { copied, unconfirmed, copy, close } = useCopyOnce(code, onClose);
  return (
    <Dialog
      title={`Invitation for ${invitation.email}`}
      onClose={close}
      footer={
        <>
          <button className="btn" onClick={() => void copy()} data-testid="copy-invitation-code">
            {copied ? 'Copied' : 'Copy code'}
          </button>
          <button className="btn primary" onClick={close} data-testid="invitation-code-done">
            {unconfirmed ? 'Close without copying' : 'Done'}
          </button>
        </>
      }
    >
      <p>
        {ROLE_LABELS[invitation.role]} in this org, valid until {localTime(invitation.expiresAt)}, for one use. They enter it when they first sign in (Connections → Sign in → “I
        have an invitation code”).
      </p>
      <code className="secret" data-testid="invitation-code" tabIndex={0}>
        {code}
      </code>
      <p className="err" data-testid="invitation-code-note">
        This code is shown once: Mission Control keeps only its hash. No mail is sent: pass it on to {invitation.email} yourself, by a channel you trust. If it is lost, withdraw
        the invitation and invite again.
      </p>
      {unconfirmed && <p className="err">You have not copied the code. Close anyway?</p>}
    </Dialog>
  );
}
