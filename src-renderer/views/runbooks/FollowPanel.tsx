import { useEffect, useState } from 'react';
import type { RunbookRun, RunbookSummary } from '../../../src-shared/contract/runbooks';
import { call, errorText, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { ReasonDialog } from '../../components/ReasonDialog';
import { Time } from '../../components/Time';
import { useIncidents } from '../../stores/incidents-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';
import { FactRows, LiveFacts } from './FactList';
import { StepAction } from './StepAction';

type Step = RunbookRun['steps'][number];

/**
 * The runbooks an incident follows (incident detail, "Follow runbook"): each step with its live
 * facts and action, and Done / Skip. A recorded step shows what was recorded: who, when, the
 * reason, and the facts as the app computed them then. Every record is a timeline entry.
 */
export function FollowPanel({ incidentId, write, open }: { incidentId: string; write: boolean; open: boolean }) {
  const [runs, setRuns] = useState<RunbookRun[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [choosing, setChoosing] = useState(false);
  const toast = useUi((s) => s.toast);
  const load = async () => {
    try {
      setRuns((await call('runbooks.runs', { incidentId })).runs);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    void load();
  }, [incidentId]);
  // The timeline shows the new entry at once (it is the record the step was proven by).
  const after = (run: RunbookRun) => {
    setRuns((rs) => (rs ?? []).map((r) => (r.id === run.id ? run : r)).concat((rs ?? []).some((r) => r.id === run.id) ? [] : [run]));
    void useIncidents.getState().loadDetail();
  };
  const canAct = write && open;
  useViewKeys({ f: canAct ? () => setChoosing(true) : null });

  return (
    <section className="panel" data-testid="incident-runbooks">
      <header>
        Runbooks <span className="faint">({runs?.length ?? 0})</span>
        {canAct && (
          <div className="actions">
            <button className="btn small" onClick={() => setChoosing(true)} data-testid="follow-runbook" title="Follow a runbook: each step you record lands on the timeline (f)">
              Follow runbook… <kbd>f</kbd>
            </button>
          </div>
        )}
      </header>
      <div className="body">
        {error && <div className="error small">Could not load the runbooks followed: {error}</div>}
        {runs && runs.length === 0 && (
          <span className="dim">No runbook followed. {canAct ? 'Follow one: each step you record lands on the timeline.' : ''}</span>
        )}
        {runs?.map((run) => (
          <div key={run.id} className="rb-run" data-testid={`run-${run.id}`}>
            <div>
              <a href={`#/runbooks/${run.runbookId}`}>
                <strong>{run.title}</strong>
              </a>{' '}
              <span className="faint small">
                version {run.version}
                {run.currentVersion !== run.version ? ` (current: ${run.currentVersion})` : ''} · followed <Time iso={run.startedAt} /> by {run.startedBy} ·{' '}
                {run.records.length} of {run.steps.length} recorded
              </span>
            </div>
            <ol className="rb-steps">
              {run.steps.map((s) => (
                <RunStep key={s.id} run={run} step={s} canAct={canAct} onDone={after} toastOk={(t) => toast('ok', t)} />
              ))}
            </ol>
          </div>
        ))}
      </div>
      {choosing && (
        <ChooseDialog
          onClose={() => setChoosing(false)}
          onFollow={async (runbookId) => {
            const { run } = await call('runbooks.follow', { incidentId, runbookId });
            after(run);
            toast('ok', `Following “${run.title}” (version ${run.version}).`);
          }}
        />
      )}
    </section>
  );
}

function RunStep({ run, step, canAct, onDone, toastOk }: { run: RunbookRun; step: Step; canAct: boolean; onDone: (r: RunbookRun) => void; toastOk: (t: string) => void }) {
  const rec = run.records.find((r) => r.stepId === step.id) ?? null;
  const [skipping, setSkipping] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const done = async () => {
    setBusy(true);
    try {
      onDone((await call('runbooks.recordStep', { runId: run.id, stepId: step.id, outcome: 'done' })).run);
      toastOk(`“${step.title}” recorded as done.`);
    } catch (err) {
      setError(err instanceof McClientError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li data-testid={`run-step-${step.id}`} data-outcome={rec?.outcome ?? 'open'}>
      <div className="row">
        <strong>{step.title}</strong>
        {rec ? (
          <span className={`pill ${rec.outcome === 'done' ? 'ok' : 'warn'}`}>{rec.outcome}</span>
        ) : (
          canAct && (
            <>
              <button className="btn small primary" disabled={busy} onClick={() => void done()} data-testid={`step-done-${step.id}`} title="Record this step as done, with its facts as they are now">
                Done
              </button>
              <button className="btn small" disabled={busy} onClick={() => setSkipping(true)} data-testid={`step-skip-${step.id}`}>
                Skip…
              </button>
            </>
          )
        )}
      </div>
      {rec ? (
        <div className="small">
          <span className="faint">
            by {rec.actor} <Time iso={rec.at} /> · audit #{rec.auditSeq}
          </span>
          {rec.reason && <div className="inc-quote">{rec.reason}</div>}
          {rec.facts.length > 0 && (
            <>
              <div className="faint">Facts as seen when recorded:</div>
              <FactRows facts={rec.facts} />
            </>
          )}
        </div>
      ) : (
        <>
          <LiveFacts names={step.facts} />
          <StepAction action={step.action} />
        </>
      )}
      {error && <div className="error small">{error}</div>}
      {skipping && (
        <ReasonDialog
          title={`Skip “${step.title}”?`}
          confirmLabel="Skip step"
          placeholder="Why this step does not apply"
          onClose={() => setSkipping(false)}
          onSubmit={async (reason) => {
            onDone((await call('runbooks.recordStep', { runId: run.id, stepId: step.id, outcome: 'skipped', reason })).run);
            toastOk(`“${step.title}” recorded as skipped.`);
          }}
        >
          The step, your reason and the facts as they are now go on the incident’s timeline.
        </ReasonDialog>
      )}
    </li>
  );
}

function ChooseDialog({ onClose, onFollow }: { onClose: () => void; onFollow: (runbookId: string) => Promise<void> }) {
  const [list, setList] = useState<RunbookSummary[] | null>(null);
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call('runbooks.list', {})
      .then((r) => {
        setList(r.runbooks);
        // No runbook is picked for the commander (the first by title was "Data loss", one keypress
        // from being followed on any incident): only a lone runbook is the obvious choice.
        setChosen(r.runbooks.length === 1 ? r.runbooks[0]!.id : '');
      })
      .catch((err) => setError(errorText(err)));
  }, []);
  const follow = async () => {
    setBusy(true);
    try {
      await onFollow(chosen);
      onClose();
    } catch (err) {
      setError(err instanceof McClientError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Follow a runbook"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" disabled={!chosen || busy} onClick={() => void follow()} data-testid="follow-confirm">
            Follow
          </button>
        </>
      }
    >
      {list && list.length === 0 ? (
        <p className="dim">This org has no runbook yet: the built-ins are installed when a writer’s workstation connects.</p>
      ) : (
        <div className="field">
          <label htmlFor="rb-choose">Runbook (its current version is followed)</label>
          <select id="rb-choose" autoFocus value={chosen} onChange={(e) => setChosen(e.target.value)} data-testid="follow-choose">
            {(list ?? []).length !== 1 && (
              <option value="" disabled>
                Pick the runbook for this incident…
              </option>
            )}
            {(list ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.title} (v{r.version}, {r.steps} steps)
              </option>
            ))}
          </select>
        </div>
      )}
      {error && <div className="error">{error}</div>}
    </Dialog>
  );
}
