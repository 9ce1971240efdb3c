import { useEffect, useRef, useState } from 'react';
import { NoOrg } from '../../components/NoOrg';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { startCredentialsLive, useCredentials } from '../../stores/credentials-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';
import { InventoryPanel } from './InventoryPanel';
import { openRunBanner } from './labels';
import { PendingSwitchPanel } from './PendingSwitchPanel';
import { RotateDialog } from './RotateDialog';
import { RunReport } from './RunReport';

/**
 * /credentials: every credential the app knows, rotate all (compromise or scheduled), and the
 * runs' reports. Keys: `R` rotate all (or resume the unfinished run), `r` reload, `/` kind filter.
 */
export function CredentialsView() {
  const session = useSystem((s) => s.info?.session ?? null);
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const { data, error, run, runError } = useCredentials();
  const pending = useUi((s) => s.pendingAction);
  const toast = useUi((s) => s.toast);
  const [rotating, setRotating] = useState(false);
  const shownOrg = useRef<string | null>(null);
  const write = canWrite(info);
  const why = !write.ok ? write.why : session?.role !== 'admin' ? 'Only admins rotate credentials.' : null;

  useEffect(() => startCredentialsLive(), []);
  useEffect(() => {
    if (!session) return;
    if (shownOrg.current !== session.orgId) useCredentials.getState().clear();
    shownOrg.current = session.orgId;
    void useCredentials.getState().load();
  }, [session?.orgId, session?.role, epoch]);

  const open = () => {
    if (why) return toast('info', why);
    const s = useCredentials.getState();
    const id = s.data?.openRunId;
    if (id && s.run?.id !== id) void s.loadRun(id).then(() => setRotating(true));
    else setRotating(true);
  };
  useEffect(() => {
    if (useUi.getState().takeAction('rotate-all')) open();
  }, [pending, data]);
  useViewKeys({ R: open, r: () => void useCredentials.getState().load(), '/': () => document.getElementById('credentials-kind')?.focus() });

  if (!session) return <NoOrg title="Credentials" what="The credentials of an org" />;
  const openRun = data?.openRunId && run?.id === data.openRunId ? run : null;
  return (
    <div className="view">
      <div className="view-head">
        <h1>Credentials</h1>
        <span className="sub">every credential the app knows · R rotate all · r reload · / filter</span>
        <span className="actions">
          <button className="btn danger" onClick={open} disabled={why !== null} title={why ?? undefined} data-testid="rotate-all">
            {data?.openRunId ? 'Resume rotation…' : 'Rotate all…'}
          </button>
        </span>
      </div>
      {error && !data && <ErrorState title="Could not load the credentials" message={error} action={<button className="btn" onClick={() => void useCredentials.getState().load()}>Try again</button>} />}
      {!data && !error && <div className="dim body">Loading…</div>}
      {data && (
        <div className="stack">
          {data.openRunId && (
            <div className="banner warn" data-testid="open-run-banner">
              {openRunBanner(data.runs.find((r) => r.id === data.openRunId))}
            </div>
          )}
          <PendingSwitchPanel pending={data.pendingSwitch} />
          <InventoryPanel credentials={data.credentials} />
          <section className="panel" data-testid="credentials-runs">
            <header>
              Rotation runs <span className="dim">· last {data.runs.length}</span>
            </header>
            {data.runs.length === 0 ? (
              <EmptyState title="No rotation run yet">Rotate all (R) replaces every credential the app can, in order, and reports what a person must still do.</EmptyState>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th>Started</th>
                    <th>Mode</th>
                    <th>State</th>
                    <th>By</th>
                    <th>Rotated</th>
                    <th>Left to a person</th>
                    <th>Failed</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {data.runs.map((r) => (
                    <tr key={r.id} data-testid="run-row" data-state={r.state} className={run?.id === r.id ? 'selected' : undefined}>
                      <td>
                        <Time iso={r.startedAt} />
                      </td>
                      <td>{r.mode}</td>
                      <td className={r.state === 'done' ? 'ok' : r.state === 'failed' ? 'err' : 'warn'}>{r.state}</td>
                      <td>{r.startedBy ?? '—'}</td>
                      <td>{r.counts.rotated}</td>
                      <td>{r.counts.manual}</td>
                      <td>{r.counts.failed}</td>
                      <td>
                        <button className="btn small" onClick={() => void useCredentials.getState().loadRun(r.id)}>
                          Report
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {runError && <ErrorState title="Could not load the run" message={runError} />}
          {run && <RunReport run={run} admin={why === null} />}
        </div>
      )}
      {rotating && <RotateDialog resume={openRun} onClose={() => setRotating(false)} />}
    </div>
  );
}
