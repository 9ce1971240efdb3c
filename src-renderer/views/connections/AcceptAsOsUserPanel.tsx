import { useState } from 'react';
import { invitationCodeSchema } from '../../../src-shared/contract/identity';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { McClientError, call, errorText } from '../../bridge/client';
import { useUi } from '../../stores/ui-store';

/**
 * On the embedded database no identity provider is needed: this computer's user may accept an
 * invitation (an admin of the org issued it) and act as that member from then on.
 */
export function AcceptAsOsUserPanel({ readOnly }: { readOnly: boolean }) {
  const toast = useUi((s) => s.toast);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const parsed = invitationCodeSchema.safeParse(code);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'Check the invitation code.');
      return;
    }
    setBusy(true);
    try {
      const who = await call('invitations.acceptAsOsUser', { code: parsed.data });
      setCode('');
      toast('ok', `Invitation accepted: this computer’s user acts as ${who.email} (${ROLE_LABELS[who.role]}, ${who.orgName}).`);
    } catch (err) {
      setError(errorText(err));
      if (!(err instanceof McClientError)) console.warn(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" data-testid="accept-as-os-user">
      <header>Accept an invitation as this computer’s user</header>
      <form className="body" onSubmit={(e) => void submit(e)}>
        <p className="dim">On this workstation’s embedded database, the computer’s user is the operator. With a code an admin gave you, that user joins as the invited member.</p>
        <label className={`field ${error ? 'invalid' : ''}`}>
          <span>Invitation code</span>
          <input name="osInvitationCode" value={code} onChange={(e) => setCode(e.target.value)} placeholder="MC-XXXXX-XXXXX-XXXXX-XXXXX" autoComplete="off" spellCheck={false} disabled={readOnly || busy} />
        </label>
        {error && (
          <div className="err" role="alert" data-testid="accept-as-os-user-error">
            {error}
          </div>
        )}
        <div className="row-actions">
          <button type="submit" className="btn small" disabled={readOnly || busy} data-testid="accept-as-os-user-submit">
            {busy ? 'Accepting…' : 'Accept invitation'}
          </button>
        </div>
      </form>
    </section>
  );
}
