import { useEffect, useState } from 'react';
import type { RunbookDetail } from '../../../src-shared/contract/runbooks';
import { call } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useRunbooks } from '../../stores/runbooks-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';
import { LiveFacts } from './FactList';
import { Markdown } from './Markdown';
import { RunbookEditor } from './RunbookEditor';
import { StepAction } from './StepAction';

/** One runbook: its steps with the live facts each needs and its action; versions; the editor for admins. */
export function RunbookPage({ runbookId }: { runbookId: string }) {
  const detail = useRunbooks((s) => (s.detail?.id === runbookId ? s.detail : null));
  const error = useRunbooks((s) => s.error);
  const info = useSystem((s) => s.info);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [editing, setEditing] = useState(false);
  const [restoring, setRestoring] = useState<number | null>(null);
  const [tick, setTick] = useState(0);
  const admin = info?.session?.role === 'admin' && !info.readOnly;

  useEffect(() => {
    void useRunbooks.getState().loadDetail(runbookId);
  }, [runbookId]);
  useViewKeys({
    Escape: editing ? null : () => navigate('runbooks'),
    r: () => {
      void useRunbooks.getState().loadDetail(runbookId, detail?.shownVersion);
      setTick((t) => t + 1);
    },
    e: admin && !editing && detail?.shownVersion === detail?.version ? () => setEditing(true) : null,
  });

  if (error && !detail) {
    return (
      <div className="view">
        <ErrorState
          title="Could not load this runbook"
          message={error}
          action={
            <button className="btn" onClick={() => navigate('runbooks')}>
              Back to runbooks
            </button>
          }
        />
      </div>
    );
  }
  if (!detail) return <div className="view dim">Loading…</div>;
  const old = detail.shownVersion !== detail.version;

  return (
    <div className="view" data-testid="runbook-page" data-version={detail.shownVersion}>
      <div className="view-head">
        <button className="btn small ghost" onClick={() => navigate('runbooks')} title="Back to all runbooks (Esc)">
          ← Runbooks
        </button>
        <h1 data-testid="runbook-title">{detail.title}</h1>
        <span className="sub">
          version {detail.shownVersion}
          {old ? ` (current: ${detail.version})` : ''} · {detail.stepList.length} steps
        </span>
        <span className="actions">
          {admin && !editing && !old && (
            <button className="btn primary" onClick={() => setEditing(true)} data-testid="edit-runbook" title="Edit the Markdown (e)">
              Edit <kbd>e</kbd>
            </button>
          )}
          {!admin && <span className="faint small">Admins edit runbooks.</span>}
        </span>
      </div>
      {editing ? (
        <RunbookEditor
          detail={detail}
          onCancel={() => setEditing(false)}
          onSaved={(r) => {
            useRunbooks.getState().show(r);
            setEditing(false);
            toast('ok', `Saved as version ${r.version}.`);
          }}
        />
      ) : (
        <div className="split">
          <div className="stack">
            {old && (
              <p className="pill warn" data-testid="old-version">
                You are reading version {detail.shownVersion}; the current one is {detail.version}.
              </p>
            )}
            {detail.intro && (
              <section className="panel">
                <div className="body">
                  <Markdown source={detail.intro} />
                </div>
              </section>
            )}
            <ol className="rb-steps" data-testid="runbook-steps">
              {detail.stepList.map((s, i) => (
                <li key={s.id} className="panel" data-testid={`rb-step-${s.id}`}>
                  <header>
                    {i + 1}. {s.title} <span className="faint mono small">{s.id}</span>
                  </header>
                  <div className="body">
                    {s.body && <Markdown source={s.body} />}
                    {!old && <LiveFacts names={s.facts} tick={tick} />}
                    <StepAction action={s.action} />
                  </div>
                </li>
              ))}
            </ol>
          </div>
          <div className="stack">
            <section className="panel" data-testid="runbook-versions">
              <header>Versions ({detail.versions.length})</header>
              <div className="body">
                <table className="grid">
                  <tbody>
                    {detail.versions.map((v) => (
                      <tr key={v.version} data-testid={`version-${v.version}`}>
                        <td>
                          <a
                            href={`#/runbooks/${detail.id}`}
                            onClick={(e) => {
                              e.preventDefault();
                              void useRunbooks.getState().loadDetail(detail.id, v.version);
                            }}
                          >
                            v{v.version}
                          </a>
                          {v.version === detail.version && <span className="pill ok">current</span>}
                          {v.restoredFrom !== null && <span className="faint small"> restored v{v.restoredFrom}</span>}
                        </td>
                        <td>
                          <Time iso={v.createdAt} /> by {v.createdBy}
                        </td>
                        <td className="faint small">audit #{v.auditSeq}</td>
                        <td>
                          {admin && v.version !== detail.version && (
                            <button className="btn small" onClick={() => setRestoring(v.version)} data-testid={`restore-${v.version}`}>
                              Restore…
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          </div>
        </div>
      )}
      {restoring !== null && (
        <ReasonDialog
          title={`Restore version ${restoring}?`}
          confirmLabel={`Restore as version ${detail.version + 1}`}
          placeholder="Why this version again"
          onClose={() => setRestoring(null)}
          onSubmit={async (reason) => {
            const r = await call('runbooks.restore', { runbookId: detail.id, version: restoring, baseVersion: detail.version, reason });
            useRunbooks.getState().show(r.runbook);
            toast('ok', `Version ${restoring} is current again, as version ${r.runbook.version}.`);
          }}
        >
          Its text becomes the next version; every version stays readable. Runs already followed keep the version they followed.
        </ReasonDialog>
      )}
    </div>
  );
}

export type { RunbookDetail };
