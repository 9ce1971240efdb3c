import { type ReactNode, useEffect } from 'react';
import type { Member } from '../../../src-shared/contract/incidents';
import { Keys } from '../../app/Keys';
import { ErrorState } from '../../components/States';
import { useChecklists } from '../../stores/checklists-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { RunHeader } from './RunHeader';
import { RunItems } from './RunItems';
import { statusLabels } from './words';
import { viewKey } from '../../app/shortcuts';
import { runCsv, runFileName } from '../../../src-shared/domain/run-export';
import { CSV_TYPE, saveFile } from '../../components/save-file';

/**
 * One run (a checklist or a gate set) item by item. Used by /checklists/<id> and, with the
 * readiness decision in `actions`, by /readiness/<id>.
 */
export function RunPage({ runId, back, members, actions, children }: { runId: string; back: 'checklists' | 'readiness'; members?: Member[]; actions?: ReactNode; children?: ReactNode }) {
  const detail = useChecklists((s) => s.run);
  const runError = useChecklists((s) => s.runError);
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);

  useEffect(() => {
    void useChecklists.getState().open(runId);
  }, [runId, epoch]);
  // Leaving the run: live changes no longer need to fetch it.
  useEffect(() => () => useChecklists.setState({ runId: null, run: null, runError: null }), []);
  /** The run as it stands on screen, item by item with its proof (docs/formats.md). */
  const exportRun = () => {
    const shown = useChecklists.getState().run;
    if (!shown || shown.run.id !== runId) return;
    const fileName = runFileName(shown.run, new Date().toISOString());
    saveFile([runCsv(shown.run, shown.items)], fileName, CSV_TYPE);
    toast('ok', `Exported ${shown.items.length} ${shown.run.kind === 'gates' ? 'gates' : 'items'} as ${fileName}.`);
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        navigate(back);
      } else if (e.key === 'r') {
        e.preventDefault();
        void useChecklists.getState().reloadRun();
      } else if (e.key === 'e') {
        e.preventDefault();
        exportRun();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [back, navigate, runId]);

  const backLink = (
    <a
      href={`#/${back}`}
      className="cl-back"
      onClick={(e) => {
        e.preventDefault();
        navigate(back);
      }}
    >
      ← {back === 'checklists' ? 'Checklists' : 'Readiness'}
    </a>
  );
  const run = detail && detail.run.id === runId ? detail : null;

  if (!run && runError) {
    return (
      <div className="view">
        <div className="view-head">{backLink}</div>
        <ErrorState
          title="Could not open this run"
          message={`${runError} Go back to the list and open it from there.`}
          action={
            <button className="btn" onClick={() => navigate(back)}>
              Back to {back}
            </button>
          }
        />
      </div>
    );
  }
  if (!run) {
    return (
      <div className="view">
        <div className="view-head">{backLink}</div>
        <div className="dim">Loading the run and its live checks…</div>
      </div>
    );
  }
  const labels = statusLabels(run.run.kind);
  return (
    <div className="view" data-testid="run-page" data-run-id={run.run.id}>
      <div className="view-head">
        {backLink}
        <h1>{run.run.kind === 'gates' ? 'Go-live gates' : 'Checklist run'}</h1>
        <span className="sub">{run.run.title}</span>
        <div className="actions">
          <button className="btn small" onClick={() => void useChecklists.getState().reloadRun()} title="Reload the items and run the live checks again (r)">
            Reload
          </button>
          <button className="btn small" onClick={exportRun} disabled={run.items.length === 0} title="Save every item with its status, proof, who set it and why, as CSV (e)" data-testid="run-export">
            Export CSV
          </button>
        </div>
      </div>
      <div className="stack">
        <RunHeader run={run.run} actions={actions}>
          {children}
        </RunHeader>
        {runError && (
          <div className="cl-refusal" role="alert">
            Could not reload: {runError}
          </div>
        )}
        {!write.ok && (
          <div className="cl-refusal warn" role="status" data-testid="read-only">
            Read only: {write.why}
          </div>
        )}
        {run.items.length === 0 ? (
          <div className="dim">This run has no items.</div>
        ) : (
          <RunItems key={run.run.id} run={run.run} items={run.items} write={write} {...(members ? { members } : {})} />
        )}
        <div className="cl-keys faint">
          <Keys keys={['j', 'k']} /> move · {write.ok && (
            <>
              <Keys keys={['d']} /> {labels.done.toLowerCase()} · <Keys keys={['f']} /> failed · <Keys keys={['x']} /> {labels.skipped.toLowerCase()} · <Keys keys={['o']} /> reopen ·{' '}
            </>
          )}
          <Keys keys={['Esc']} /> back · <Keys keys={['r']} /> reload · <Keys keys={['e']} /> export CSV
        </div>
      </div>
    </div>
  );
}
