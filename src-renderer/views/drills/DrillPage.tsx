import { useEffect, useState } from 'react';
import type { DrillDetail } from '../../../src-shared/contract/drills';
import { nextDrillStep } from '../../../src-shared/domain/drills';
import { drillScopeName, scopeTitle } from '../../../src-shared/domain/evidence/bundle-scope';
import { call, errorText } from '../../bridge/client';
import { ConfirmDialog } from '../../components/Dialog';
import { ReasonDialog } from '../../components/ReasonDialog';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useDrills } from '../../stores/drills-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { BundleDialog } from '../audit/BundleDialog';
import { DrillPill } from '../incidents/parts';
import { useViewKeys } from '../incidents/useViewKeys';
import { canRunDrills, duration, STATE_LABELS } from './labels';
import { OutcomePill, SteadyStateTable } from './parts';
import { RunbookStep } from './RunbookStep';

type StepKind = DrillDetail['steps'][number]['kind'];

/** One drill: its runbook (each step a button, in order), the figures before and after, recovery against the SLA, the outcome. */
export function DrillPage({ drillId }: { drillId: string }) {
  const { detail, error } = useDrills();
  const info = useSystem((s) => s.info);
  const { navigate, toast } = useUi();
  const may = canRunDrills(info);
  const [busy, setBusy] = useState(false);
  const [confirmDrain, setConfirmDrain] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [exporting, setExporting] = useState(false);

  useEffect(() => void useDrills.getState().loadDetail(drillId), [drillId]);
  const act = async (what: () => Promise<{ drill: DrillDetail }>, ok: (d: DrillDetail) => string) => {
    setBusy(true);
    try {
      const { drill } = await what();
      useDrills.getState().show(drill);
      toast(drill.state === 'aborted' ? 'error' : 'ok', drill.state === 'aborted' ? `Drill aborted: ${drill.endReason ?? ''}` : ok(drill));
    } catch (err) {
      toast('error', errorText(err));
      void useDrills.getState().loadDetail(drillId);
    } finally {
      setBusy(false);
    }
  };
  const runStep = (step: StepKind) => act(() => call('drills.runStep', { drillId, step }), () => `Step “${step}” done.`);
  const start = () => void act(() => call('drills.start', { drillId }), () => 'Drill started: steady state captured, drill incident opened.');
  const complete = () => void act(() => call('drills.complete', { drillId }), (x) => `Drill completed: ${x.outcome}.`);
  // Draining is destructive: its key opens the same confirmation as its button.
  const run = (step: StepKind) => (step === 'drain' ? setConfirmDrain(true) : void runStep(step));

  // Under a drill's pressure every next action is one key, as on an incident (the ? list names them).
  const shown = detail?.id === drillId ? detail : null;
  const upNext = shown?.state === 'running' ? nextDrillStep(shown.steps.filter((s) => s.state === 'done').map((s) => s.kind)) : null;
  const free = may.ok && !busy;
  useViewKeys({
    Escape: () => navigate('drills'),
    r: () => void useDrills.getState().loadDetail(drillId),
    s: shown?.state === 'planned' && free ? start : null,
    n: upNext && free ? () => run(upNext) : null,
    c: shown?.state === 'running' && upNext === null && free ? complete : null,
    x: shown?.state === 'running' && free ? () => setStopping(true) : null,
    e: shown ? () => setExporting(true) : null,
    i: shown?.incidentId ? () => navigate('incidents', shown.incidentId!) : null,
  });

  if (error && detail?.id !== drillId) return <div className="view"><ErrorState title="Could not load the drill" message={error} /></div>;
  if (!detail || detail.id !== drillId) return <div className="view dim">Loading…</div>;
  const d = detail;
  // The step the keys run (upNext, computed above for this same drill) is the one whose button is live.
  const next = upNext;
  const recoveryOk = d.recoveryMs !== null && d.targets.recoveryMs !== null && d.recoveryMs <= d.targets.recoveryMs;

  return (
    <div className="view" data-testid="drill-page">
      <div className="view-head">
        <button className="btn" onClick={() => navigate('drills')} title="Back to the drills (Esc)">
          ← Drills
        </button>
        <h1 data-testid="drill-title">{d.hypothesis}</h1>
        <DrillPill />
        <span className="pill" data-testid="drill-state" data-state={d.state}>
          {STATE_LABELS[d.state]}
        </span>
        <OutcomePill outcome={d.outcome} />
        <span className="actions">
          {d.state === 'planned' && (
            <button className="btn primary" disabled={!may.ok || busy} title={may.why ?? 'Capture the steady state and open the drill incident (s)'} onClick={start} data-testid="start-drill">
              Start drill
            </button>
          )}
          {d.state === 'running' && next === null && (
            <button className="btn primary" disabled={!may.ok || busy} title={may.why ?? 'Measure the steady state again and compute the outcome (c)'} onClick={complete} data-testid="complete-drill">
              Complete drill
            </button>
          )}
          {d.state === 'running' && (
            <button className="btn danger" disabled={!may.ok || busy} title={may.why ?? 'Stop by hand; drained nodes go back into service (x)'} onClick={() => setStopping(true)} data-testid="stop-drill">
              Stop drill
            </button>
          )}
          {d.incidentId && (
            <button className="btn" onClick={() => navigate('incidents', d.incidentId!)} title="Open the drill incident (i)" data-testid="drill-incident">
              {d.incidentRef} (drill incident)
            </button>
          )}
          <button className="btn" onClick={() => setExporting(true)} title="The drill, its steps, its incident, the decisions and evidence it made, and their audit events, signed (e)" data-testid="drill-bundle">
            Export evidence
          </button>
        </span>
      </div>
      <div className="stack">
        <section className="panel">
          <dl className="kv body">
            <dt>Scope</dt>
            <dd>{d.scopeName}</dd>
            <dt>SLA policy</dt>
            <dd>{d.slaPolicy.name}</dd>
            <dt>Stop conditions</dt>
            <dd data-testid="stop-rules">
              {d.stopRules.length === 0
                ? 'None: only a person stops this drill.'
                : d.stopRules.map((r) => (
                    <span key={r.id} className={`pill ${r.firing ? 'bad' : ''}`} title={r.firing ? 'Firing now' : 'Not firing'}>
                      {r.name}
                      {r.firing ? ' (firing)' : ''}
                    </span>
                  ))}
            </dd>
            <dt>Started</dt>
            <dd>{d.startedAt ? <Time iso={d.startedAt} mode="local" /> : 'Not yet'}</dd>
            {d.endReason && (
              <>
                <dt>Ended because</dt>
                <dd data-testid="end-reason">{d.endReason}</dd>
              </>
            )}
          </dl>
        </section>
        <section className="panel" data-testid="runbook">
          <header>Runbook</header>
          <ol className="body drill-list">
            {d.steps.map((s) => (
              <RunbookStep key={s.kind} step={s} isNext={s.kind === next} disabled={!may.ok || busy} why={may.why} onRun={() => run(s.kind)} />
            ))}
          </ol>
        </section>
        <section className="panel" data-testid="drill-figures">
          <header>Figures</header>
          <div className="body stack">
            <SteadyStateTable before={d.before} after={d.after} />
            <dl className="kv">
              <dt>Recovery time</dt>
              <dd data-testid="recovery">
                {d.state === 'completed' ? (d.recoveryMs === null ? 'Not recovered: routing found no valid target for every simulation' : duration(d.recoveryMs)) : '—'} · target{' '}
                {duration(d.targets.recoveryMs)} {d.state === 'completed' && <span className={`pill ${recoveryOk ? 'ok' : 'bad'}`}>{recoveryOk ? 'within' : 'missed'}</span>}
              </dd>
              <dt>Data-loss window</dt>
              <dd data-testid="data-loss">{d.state !== 'completed' ? '—' : d.dataLossMs === null ? 'Not measured: the scope sent no telemetry during the drill' : duration(d.dataLossMs)}</dd>
              <dt>Targets</dt>
              <dd className="faint small" data-testid="targets">
                {/* The figure is computed from the steps' records, and the operator's clicks are part of it: say so beside it. */}
                Recovery runs from the drain to the end of the simulate step, so the operator’s pace counts: an upper bound. {d.targets.basis}
              </dd>
              {d.outcome && (
                <>
                  <dt>Outcome</dt>
                  <dd data-testid="outcome">
                    <OutcomePill outcome={d.outcome} /> {d.outcomeReasons.length === 0 ? 'Every measured figure met its target.' : d.outcomeReasons.join(' ')}
                  </dd>
                </>
              )}
            </dl>
          </div>
        </section>
        <section className="panel" data-testid="drill-timeline">
          <header>Timeline (audit chain)</header>
          <ol className="body drill-list">
            {d.timeline.map((t) => (
              <li key={t.seq}>
                {/* Each entry opens the audit event it is read from: the drill's claims link to their proof. */}
                <Time iso={t.at} mode="local" /> ·{' '}
                <a href={`#/audit?seq=${t.seq}`} title="The audit event that records this entry">
                  audit #{t.seq}
                </a>{' '}
                · {t.actor}: {t.summary}
              </li>
            ))}
          </ol>
        </section>
      </div>
      {confirmDrain && (
        <ConfirmDialog
          title="Drain the scope?"
          confirmLabel="Drain"
          danger
          onClose={() => setConfirmDrain(false)}
          onConfirm={() => {
            setConfirmDrain(false);
            void runStep('drain');
          }}
        >
          Every active node in {d.scopeName} goes to draining: routing sends it no new work until the restore step (or a stop) puts it back. Each node drained is an
          audit event.
        </ConfirmDialog>
      )}
      {stopping && (
        <ReasonDialog title="Stop the drill" confirmLabel="Stop drill" danger placeholder="e.g. a real incident needs the corridor" onClose={() => setStopping(false)} onSubmit={async (reason) => void (await act(() => call('drills.stop', { drillId, reason }), () => 'Drill stopped; drained nodes are back in service.'))}>
          The drill ends as stopped; nodes it drained go back to active.
        </ReasonDialog>
      )}
      {exporting && <BundleDialog preset={{ scope: { kind: 'drill', drillId }, label: scopeTitle({ kind: 'drill', drillId, name: drillScopeName(d.scopeName, d.hypothesis) }) }} onClose={() => setExporting(false)} />}
    </div>
  );
}
