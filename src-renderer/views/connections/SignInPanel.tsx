import { useEffect, useRef, useState } from 'react';
import { invitationCodeSchema } from '../../../src-shared/contract/identity';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { issuerHostOf, useSignIn } from '../../stores/identity-sign-in-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';

/**
 * Sign in with the profile's identity provider. Who is signed in is shown from the session the
 * database resolved, not from what was typed. A first sign-in may carry an invitation code: the
 * provider's identity is then bound to the invited membership.
 */
export function SignInPanel({ profileId, issuer, readOnly }: { profileId: string; issuer: string; readOnly: boolean }) {
  const toast = useUi((s) => s.toast);
  const session = useSystem((s) => s.info?.session ?? null);
  const identityMode = useSystem((s) => s.info?.identityMode ?? null);
  const { phase, outcome } = useSignIn();
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const host = issuerHostOf(issuer);

  // The browser host's page comes back here from the provider: finish the sign-in it started.
  useEffect(() => {
    void useSignIn.getState().resume();
  }, []);

  useEffect(() => {
    if (phase.kind !== 'waiting') return;
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      void useSignIn.getState().cancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [phase.kind]);

  useEffect(() => {
    if (outcome?.kind === 'signed-in') {
      toast('ok', `Signed in as ${outcome.email} (${ROLE_LABELS[outcome.role]}, ${outcome.orgName}).`);
      setCode('');
    }
  }, [outcome, toast]);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setCodeError(null);
    let invitation: string | undefined;
    if (code.trim()) {
      const parsed = invitationCodeSchema.safeParse(code);
      if (!parsed.success) {
        setCodeError(parsed.error.issues[0]?.message ?? 'Check the invitation code.');
        return;
      }
      invitation = parsed.data;
    }
    void useSignIn.getState().start(profileId, issuer, invitation);
  };

  const busy = phase.kind !== 'idle';
  return (
    <section className="panel" data-testid="sign-in">
      <header>Sign in</header>
      <div className="body">
        <p data-testid="session-line">
          {session ? (
            <>
              Signed in: <strong data-testid="session-who">{session.operatorName}</strong> <span className="dim">({session.email})</span> · {session.orgName} ·{' '}
              <span data-testid="session-role">{ROLE_LABELS[session.role]}</span>{' '}
              <span className="faint">{identityMode === 'os-user' ? '(this computer’s user, embedded database)' : '(a database login of your own)'}</span>
            </>
          ) : (
            <span className="dim">Nobody is signed in on this connection.</span>
          )}
        </p>
        {phase.kind === 'waiting' ? (
          <div role="status" data-testid="sign-in-waiting">
            <p>
              Waiting for you to finish signing in at <strong>{phase.issuerHost}</strong>…
            </p>
            {!phase.openedInSystemBrowser && (
              <p className="dim">
                {phase.authorizationUrl.startsWith('http') && (
                  <>
                    Not there yet?{' '}
                    <a href={phase.authorizationUrl} target="_blank" rel="noreferrer noopener">
                      Open the sign-in page at {phase.issuerHost}
                    </a>
                    .
                  </>
                )}
              </p>
            )}
            <div className="row-actions">
              <button ref={cancelRef} type="button" className="btn small" onClick={() => void useSignIn.getState().cancel()} data-testid="sign-in-cancel" title="Cancel (Esc)">
                Cancel
              </button>
              <span className="faint">Esc cancels; nothing is signed in until the provider answers and every check passes.</span>
            </div>
          </div>
        ) : (
          <form onSubmit={submit}>
            <label className={`field ${codeError ? 'invalid' : ''}`}>
              <span>I have an invitation code (first sign-in only)</span>
              <input
                name="invitationCode"
                value={code}
                onChange={(e) => setCode(e.target.value)}
                placeholder="MC-XXXXX-XXXXX-XXXXX-XXXXX"
                autoComplete="off"
                spellCheck={false}
                disabled={readOnly || busy}
              />
              {codeError && <span className="err">{codeError}</span>}
            </label>
            <div className="row-actions">
              <button type="submit" className="btn primary" disabled={readOnly || busy} data-testid="sign-in-start">
                {phase.kind === 'starting' ? `Contacting ${host}…` : phase.kind === 'leaving' ? `Going to ${host}…` : `Sign in with ${host}`}
              </button>
            </div>
          </form>
        )}
        {outcome?.kind === 'signed-in' && (
          <p className="ok" data-testid="sign-in-outcome">
            Signed in as {outcome.email}: {ROLE_LABELS[outcome.role]} in {outcome.orgName}.
          </p>
        )}
        {outcome?.kind === 'cancelled' && (
          <p className="dim" data-testid="sign-in-outcome">
            Sign-in cancelled. Nothing was signed in; whoever was signed in before still is.
          </p>
        )}
        {outcome?.kind === 'refused' && (
          <div className="err" role="alert" data-testid="sign-in-refused">
            {outcome.message}
          </div>
        )}
      </div>
    </section>
  );
}
