import { useState } from 'react';
import { Keys } from '../../app/Keys';
import { Dialog } from '../../components/Dialog';
import { Time } from '../../components/Time';
import { useSession } from '../../stores/session-store';
import { useSystem } from '../../stores/system-store';

/** The top bar's session line (expires in…) and its "Lock and hand over" action. */
export function SessionLine() {
  const st = useSystem((s) => s.info?.sessionClock ?? null);
  const readOnly = useSystem((s) => s.info?.readOnly ?? false);
  const [open, setOpen] = useState(false);
  if (!st || st.state !== 'active' || readOnly) return null;
  return (
    <>
      {st.expiresAt && (
        <small className="dim session-line" data-testid="session-line" title={st.locksAt ? `Locks when idle at ${new Date(st.locksAt).toLocaleTimeString()}` : 'No idle lock on this profile'}>
          expires <Time iso={st.expiresAt} />
        </small>
      )}
      <button className="btn small ghost" onClick={() => void useSession.getState().lock()} title="Lock the screen now" data-testid="lock-now">
        Lock <Keys keys={['Ctrl+L']} />
      </button>
      <button className="btn small" onClick={() => setOpen(true)} data-testid="lock-and-hand-over" title={st.expiresAt ? `This session expires at ${new Date(st.expiresAt).toLocaleString()}` : undefined}>
        Lock and hand over
      </button>
      {open && <HandoverDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function HandoverDialog({ onClose }: { onClose: () => void }) {
  const [note, setNote] = useState('');
  const busy = useSession((s) => s.busy);
  const error = useSession((s) => s.error);
  const submit = async () => {
    if (await useSession.getState().handover(note)) onClose();
  };
  return (
    <Dialog
      title="Lock and hand over"
      onClose={onClose}
      footer={
        <>
          <button className="btn small" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button className="btn small primary" onClick={() => void submit()} disabled={busy} data-testid="handover-confirm">
            {busy ? 'Handing over…' : 'Sign out and hand over'}
          </button>
        </>
      }
    >
      <p>You are signed out on this workstation and the next operator signs in, without restarting. Both are recorded.</p>
      <label className="field">
        <span>Handover note (optional, shown to the next operator)</span>
        <textarea rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} placeholder="What is open, what to watch" data-testid="handover-note" />
      </label>
      {error && (
        <div className="err" role="alert">
          {error}
        </div>
      )}
    </Dialog>
  );
}
