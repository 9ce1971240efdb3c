import { useEffect, useRef, useState } from 'react';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import type { SessionStatus } from '../../../src-shared/contract/session';
import { Time } from '../../components/Time';
import { useSession } from '../../stores/session-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';

/**
 * Covers every view while the session is locked (or has ended). It only shows what the main
 * process decided: the router refuses every other call meanwhile, so hiding this element opens
 * nothing.
 */
export function LockScreen() {
  const st = useSystem((s) => s.info?.sessionClock ?? null);
  const route = useUi((s) => s.route);
  if (!st) return null;
  if (st.state === 'locked') return <Locked st={st} />;
  // Once ended, Connections stays reachable: that is where a profile without a provider signs in.
  if (st.state === 'ended' && route !== 'connections') return <Ended st={st} />;
  return null;
}

function Shell({ label, children }: { label: string; children: React.ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('button, input')?.focus();
  }, []);
  return (
    <div className="lock-screen" role="dialog" aria-modal="true" aria-label={label} data-testid="lock-screen" ref={ref}>
      <div className="lock-card">{children}</div>
    </div>
  );
}

function Problem() {
  const error = useSession((s) => s.error);
  return error ? (
    <div className="err" role="alert" data-testid="lock-error">
      {error}
    </div>
  ) : null;
}

function HandoverForm({ onCancel }: { onCancel: () => void }) {
  const [note, setNote] = useState('');
  const busy = useSession((s) => s.busy);
  return (
    <form
      className="handover"
      onSubmit={(e) => {
        e.preventDefault();
        void useSession.getState().handover(note);
      }}
    >
      <label className="field">
        <span>Handover note for the next operator (optional)</span>
        <textarea name="note" rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} placeholder="What is open, what to watch" data-testid="handover-note" />
      </label>
      <p className="faint">You are signed out here; the next operator signs in. Both are recorded.</p>
      <div className="row-actions">
        <button type="submit" className="btn small primary" disabled={busy} data-testid="handover-confirm">
          {busy ? 'Handing over…' : 'Sign out and hand over'}
        </button>
        <button type="button" className="btn small" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Locked({ st }: { st: SessionStatus }) {
  const busy = useSession((s) => s.busy);
  const [handingOver, setHandingOver] = useState(false);
  const op = st.operator;
  return (
    <Shell label="Screen locked">
      <h2>Locked</h2>
      <p data-testid="lock-who">
        <strong>{op?.name ?? 'Someone'}</strong>
        {op ? ` · ${ROLE_LABELS[op.role]}` : ''} · locked {st.lockedHow === 'idle' ? 'after no input' : 'by hand'} {st.lockedAt && <Time iso={st.lockedAt} />}
      </p>
      {st.expiresAt && (
        <p className="dim">
          The session still expires <Time iso={st.expiresAt} />.
        </p>
      )}
      <Problem />
      {handingOver ? (
        <HandoverForm onCancel={() => setHandingOver(false)} />
      ) : (
        <div className="row-actions">
          {st.unlockWith === 'os-user' && (
            <button className="btn primary" disabled={busy} onClick={() => void useSession.getState().unlockAsOsUser(st.osUser ?? '')} data-testid="unlock">
              {busy ? 'Unlocking…' : `Unlock: I am ${st.osUser ?? 'this computer’s user'}`}
            </button>
          )}
          {st.unlockWith === 'identity-provider' && (
            <button className="btn primary" disabled={busy} onClick={() => void useSession.getState().unlockWithProvider()} data-testid="unlock">
              {busy ? 'Waiting for the identity provider…' : `Sign in again as ${op?.name ?? 'yourself'} to unlock`}
            </button>
          )}
          {st.unlockWith === 'none' && <p className="dim">This profile has no identity provider to prove who you are: hand over, then sign in again.</p>}
          <button className="btn" disabled={busy} onClick={() => setHandingOver(true)} data-testid="sign-in-as-other">
            Sign in as someone else
          </button>
        </div>
      )}
    </Shell>
  );
}

function Ended({ st }: { st: SessionStatus }) {
  const busy = useSession((s) => s.busy);
  const e = st.ended;
  const navigate = useUi((s) => s.navigate);
  return (
    <Shell label="Signed out">
      <h2>{e?.reason === 'expired' ? 'Session expired' : 'Handed over'}</h2>
      {e && (
        <p data-testid="ended-why">
          {e.reason === 'expired' ? (
            <>
              {e.operatorName}’s session expired <Time iso={e.at} mode="local" />. Sign in again to go on.
            </>
          ) : (
            <>
              {e.operatorName} handed over <Time iso={e.at} mode="local" />. The next operator signs in.
            </>
          )}
        </p>
      )}
      {e?.note && (
        <blockquote className="handover-note" data-testid="handover-note-shown">
          {e.note}
        </blockquote>
      )}
      <Problem />
      <div className="row-actions" data-testid="sign-in-prompt">
        {st.unlockWith !== 'none' && (
          <button className="btn primary" disabled={busy} onClick={() => void useSession.getState().signInAgain()} data-testid="sign-in-next">
            {busy ? 'Signing in…' : st.unlockWith === 'os-user' ? `Sign in as ${st.osUser ?? 'this computer’s user'}` : 'Sign in with the identity provider'}
          </button>
        )}
        <button className="btn" onClick={() => navigate('connections')}>
          Open Connections
        </button>
      </div>
    </Shell>
  );
}
