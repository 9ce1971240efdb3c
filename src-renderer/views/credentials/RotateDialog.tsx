import { useEffect, useRef, useState } from 'react';
import { COMPROMISE_CONFIRMATION, type RotationRunDetail } from '../../../src-shared/contract/credentials';
import { call, errorText, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { useCredentials } from '../../stores/credentials-store';
import { KIND_LABELS } from './labels';

type Mode = 'compromise' | 'scheduled';

/**
 * Rotate all: choose the mode (compromise needs the typed confirmation), then one credential per
 * call, in the documented order, with progress per credential. Cancel stops between two
 * credentials; an unfinished run is resumed here.
 */
export function RotateDialog({ resume, onClose }: { resume: RotationRunDetail | null; onClose: () => void }) {
  const [mode, setMode] = useState<Mode>('scheduled');
  const [grace, setGrace] = useState(24);
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [run, setRun] = useState<RotationRunDetail | null>(resume);
  const [busy, setBusy] = useState(false);
  const cancelAsked = useRef(false);

  const drive = async (start: RotationRunDetail) => {
    let current = start;
    setRun(current);
    cancelAsked.current = false;
    while (current.state === 'running') {
      if (cancelAsked.current) {
        current = (await call('credentials.cancel', { runId: current.id })).run;
        break;
      }
      current = (await call('credentials.step', { runId: current.id })).run;
      setRun(current);
    }
    setRun(current);
    useCredentials.getState().setRun(current);
    void useCredentials.getState().load();
  };

  const go = async () => {
    setError(null);
    if (!run && reason.trim().length < 3) return setError('Say why, in a few words (at least 3 characters): it goes into the audit log.');
    if (!run && mode === 'compromise' && confirm !== COMPROMISE_CONFIRMATION) return setError(`Type ${COMPROMISE_CONFIRMATION} to confirm compromise mode.`);
    setBusy(true);
    try {
      if (run) {
        const resumed = run.state === 'running' ? run : (await call('credentials.resume', { runId: run.id })).run;
        await drive(resumed);
      } else {
        const started = (
          await call('credentials.start', mode === 'compromise' ? { mode, confirm, reason: reason.trim() } : { mode, graceHours: grace, reason: reason.trim() })
        ).run;
        await drive(started);
      }
    } catch (err) {
      setError(err instanceof McClientError ? Object.values(err.fields)[0] ?? err.message : errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const done = run ? run.counts.total - run.counts.pending : 0;
  const finished = run !== null && run.state !== 'running' && !busy;
  // The credential the run works on now (the server takes the first pending or failed one, in
  // order): marked, and kept in view as the list scrolls, so a run of hundreds of node keys can be
  // followed rather than hunted for.
  const current = busy && run?.state === 'running' ? (run.items.find((i) => i.state === 'pending' || i.state === 'failed') ?? null) : null;
  const currentRow = useRef<HTMLLIElement | null>(null);
  useEffect(() => {
    currentRow.current?.scrollIntoView({ block: 'nearest' });
  }, [current?.id]);
  return (
    <Dialog
      title={run ? `Rotate all · ${run.mode} run` : 'Rotate all credentials'}
      onClose={busy ? () => (cancelAsked.current = true) : onClose}
      footer={
        <>
          {busy ? (
            <button className="btn" onClick={() => (cancelAsked.current = true)} data-testid="rotate-cancel">
              Cancel after this credential
            </button>
          ) : (
            <button className="btn" onClick={onClose}>
              {finished ? 'Close' : 'Cancel'}
            </button>
          )}
          {!busy && (!run || run.state === 'cancelled' || run.state === 'failed' || run.state === 'running') && (
            <button className={`btn ${mode === 'compromise' && !run ? 'danger' : 'primary'}`} onClick={() => void go()} data-testid="rotate-go">
              {run ? 'Resume' : mode === 'compromise' ? 'Rotate all now' : 'Rotate all'}
            </button>
          )}
        </>
      }
    >
      {!run && (
        <>
          <fieldset className="stack">
            <label>
              <input type="radio" name="mode" checked={mode === 'scheduled'} onChange={() => setMode('scheduled')} /> <b>Scheduled</b>: new credentials now; replaced keys keep working
              for the grace period so nodes and clients can switch.
            </label>
            <label>
              <input type="radio" name="mode" checked={mode === 'compromise'} onChange={() => setMode('compromise')} data-testid="mode-compromise" /> <b>Compromise</b>: no grace.
              Every old credential stops at once and other sessions are ended; nodes stay silent until they get their new key.
            </label>
          </fieldset>
          {mode === 'scheduled' && (
            <label>
              Grace (hours){' '}
              <input type="number" min={1} max={720} value={grace} onChange={(e) => setGrace(Number(e.target.value))} aria-label="Grace in hours" />
            </label>
          )}
          <label>
            Why
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} placeholder={mode === 'compromise' ? 'e.g. operator laptop stolen' : 'e.g. monthly credential rotation'} aria-label="Reason" />
          </label>
          {mode === 'compromise' && (
            <label>
              Type <code>{COMPROMISE_CONFIRMATION}</code> to confirm{' '}
              <input value={confirm} onChange={(e) => setConfirm(e.target.value)} aria-label="Confirmation" data-testid="rotate-confirm" />
            </label>
          )}
          <p className="dim">Order: sessions → signing keys → database roles → API and ingest keys → node keys. Each new credential is verified before the old one is retired.</p>
        </>
      )}
      {run && (
        <div data-testid="rotate-progress" data-state={run.state}>
          <p>
            {done} of {run.counts.total} · {run.state}
            {current ? ` · now: ${KIND_LABELS[current.kind]} · ${current.label}` : ''}
            {run.stopReason ? ` · ${run.stopReason}` : ''}
          </p>
          <progress max={run.counts.total || 1} value={done} />
          <ol className="dense rotate-items" data-testid="rotate-items">
            {run.items.map((i) => {
              const now = i.id === current?.id;
              const tone = i.state === 'failed' ? 'err' : i.state === 'pending' ? 'dim' : i.state === 'manual' ? 'warn' : 'ok';
              return (
                <li
                  key={i.id}
                  ref={now ? currentRow : undefined}
                  aria-current={now ? 'step' : undefined}
                  data-position={i.position}
                  data-kind={i.kind}
                  className={now ? 'current' : tone}
                >
                  {KIND_LABELS[i.kind]} · {i.label} · {i.owner} — {now ? 'rotating…' : i.state}
                </li>
              );
            })}
          </ol>
        </div>
      )}
      {error && (
        <p className="err" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
