import { useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import type { DeploymentRun } from '../../../src-shared/contract/deployments';
import { DEFAULT_CANARY_STAGES } from '../../../src-shared/domain/change';
import { call } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { NoOrg } from '../../components/NoOrg';
import { ErrorState } from '../../components/States';
import { useChangeView } from '../change-view';
import { Time } from '../../components/Time';
import { DeploymentTargetFields, ORG_WIDE, type Target, targetText } from './DeploymentTarget';
import { LinkChangesDialog } from './LinkChangesDialog';
import { startDeploymentsLive, useDeployments } from '../../stores/deployments-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';

type ChangeWithoutEvidence = Response<'deployments.list'>['withoutEvidence'][number];
const CHANGE_KIND_LABEL: Record<ChangeWithoutEvidence['kind'], string> = { deployment: 'Deployment', migration: 'Migration', flag: 'Flag change' };

/** One list, three records: each kind of change takes its evidence through its own command. */
function attachEvidenceTo(change: ChangeWithoutEvidence, uri: string, sha256: string | null): Promise<unknown> {
  if (change.kind === 'migration') return call('migrations.attachEvidence', { id: change.id, uri, sha256 });
  if (change.kind === 'flag') return call('flags.attachEvidence', { changeId: Number(change.id), uri, sha256 });
  return call('deployments.attachEvidence', { id: change.id, uri, sha256 });
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
const mins = (x: number | null) => (x === null ? '—' : x < 120 ? `${Math.round(x)} min` : `${(x / 60).toFixed(1)} h`);

function statusText(r: DeploymentRun): string {
  if (r.status === 'canary') return `canary ${r.canaryPercent}%`;
  return r.status.replace('_', ' ') + (r.rollbackRequired ? ' · roll back' : '');
}

/**
 * /deployments: the deployment run ledger, canary stages, DORA figures computed from the runs,
 * and the environment changes still waiting for evidence (daily checklist item 6).
 */
export function DeploymentsView() {
  const { data, error } = useDeployments();
  const info = useSystem((s) => s.info);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const session = info?.session;
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState<'production' | 'staging' | 'scratch'>('staging');
  const [canary, setCanary] = useState(true);
  const [rollbackPlan, setRollbackPlan] = useState('');
  const [target, setTarget] = useState<Target>(ORG_WIDE);
  const [evidenceFor, setEvidenceFor] = useState<ChangeWithoutEvidence | null>(null);
  const [linking, setLinking] = useState<DeploymentRun | null>(null);
  const [uri, setUri] = useState('');
  const [sha, setSha] = useState('');
  const [rollback, setRollback] = useState<DeploymentRun | null>(null);

  const { busy, act } = useChangeView({ live: startDeploymentsLive, load: () => useDeployments.getState().load(), newFieldId: 'release-name' });

  if (!session) return <NoOrg title="Deployments" what="Deployment runs" />;
  if (error && !data) return <div className="view"><ErrorState title="Could not load deployments" message={error} /></div>;
  if (!data) return <div className="view dim">Loading…</div>;

  return (
    <div className="view">
      <div className="view-head">
        <h1>Deployments</h1>
        <span className="sub">
          {data.runs.length} {data.runs.length === 1 ? 'run' : 'runs'} · figures over <Time iso={data.period.from} mode="local" /> to now
        </span>
      </div>
      <div className="stack">
        <section className="panel" data-testid="new-run">
          <header>Record a deployment run</header>
          <form
            className="body row wrap"
            onSubmit={(e) => {
              e.preventDefault();
              void act(
                () =>
                  call('deployments.create', {
                    releaseName: name,
                    environment,
                    corridorId: target.corridorId || null,
                    siteIds: target.siteIds,
                    runtimeGroup: target.runtimeGroup || null,
                    canaryStages: canary ? [...DEFAULT_CANARY_STAGES] : [],
                    rollbackPlan,
                  }).then(() => setName('')),
                `Recorded “${name}” as planned.`,
              );
            }}
          >
            <label>
              Release name <input id="release-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Spring routing release" maxLength={120} />
            </label>
            <label>
              Environment{' '}
              <select value={environment} onChange={(e) => setEnvironment(e.target.value as typeof environment)} aria-label="Environment">
                <option value="production">production</option>
                <option value="staging">staging</option>
                <option value="scratch">scratch</option>
              </select>
            </label>
            <DeploymentTargetFields value={target} onChange={setTarget} />
            <label>
              <input type="checkbox" checked={canary} onChange={(e) => setCanary(e.target.checked)} /> Canary 10% → 50% → 100% (15 / 30 / 60 min windows)
            </label>
            <label>
              Rollback plan <input value={rollbackPlan} onChange={(e) => setRollbackPlan(e.target.value)} maxLength={4000} placeholder="How to undo it" />
            </label>
            <button className="btn primary" disabled={!write.ok || busy || name.trim().length < 2} title={write.why ?? undefined}>
              Record run
            </button>
          </form>
        </section>

        <section className="panel" data-testid="without-evidence">
          <header>Environment changes without evidence (daily checklist 6)</header>
          {data.withoutEvidence.length === 0 ? (
            <div className="body dim">Every started deployment, applied migration run and feature-flag change has evidence attached.</div>
          ) : (
            <div className="body">
              {data.withoutEvidence.map((w) => (
                <div key={`${w.kind}:${w.id}`} className="row">
                  <span className="chip">{CHANGE_KIND_LABEL[w.kind]}</span> <span>{w.name}</span> <Time iso={w.at} />{' '}
                  <button className="btn small" disabled={!write.ok} onClick={() => setEvidenceFor(w)}>
                    Attach evidence
                  </button>
                </div>
              ))}
              {evidenceFor && (
                <form
                  className="row wrap"
                  data-testid="evidence-form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void act(
                      () => attachEvidenceTo(evidenceFor, uri, sha.trim() === '' ? null : sha.trim()).then(() => setEvidenceFor(null)),
                      'Evidence attached.',
                    );
                  }}
                >
                  <label>
                    URI <input value={uri} onChange={(e) => setUri(e.target.value)} placeholder="file:///… or https://…" aria-label="Evidence URI" />
                  </label>
                  <label>
                    sha256 <input value={sha} onChange={(e) => setSha(e.target.value)} placeholder="computed here for a file: URI" aria-label="Evidence sha256" />
                  </label>
                  <button className="btn primary" disabled={busy || uri.trim().length < 3}>Attach</button>
                  <button type="button" className="btn ghost" onClick={() => setEvidenceFor(null)}>Cancel</button>
                </form>
              )}
            </div>
          )}
        </section>

        <section className="panel" data-testid="runs">
          <header>Run ledger</header>
          {data.runs.length === 0 ? (
            <div className="body dim">No deployment run is recorded yet. Record one above before a release goes out.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Release</th>
                  <th>Environment</th>
                  <th>Target</th>
                  <th>Status</th>
                  <th>Started</th>
                  <th>Finished</th>
                  <th>Evidence</th>
                  <th>Changes</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.runs.map((r) => (
                  <tr key={r.id} data-testid={`run-${r.releaseName}`} data-status={r.status}>
                    <td>{r.releaseName}</td>
                    <td>{r.environment}</td>
                    <td data-testid="run-target">{targetText(r)}</td>
                    <td title={r.failureReason ?? undefined}>{statusText(r)}</td>
                    <td>{r.startedAt ? <Time iso={r.startedAt} /> : '—'}</td>
                    <td>{r.finishedAt ? <Time iso={r.finishedAt} /> : '—'}</td>
                    <td className="mono" title={r.evidence?.uri}>{r.evidence ? `${r.evidence.sha256.slice(0, 12)}…` : 'none'}</td>
                    <td data-testid="run-links">
                      {r.links.migrations.map((m) => (
                        <div key={m.id}>SQL {m.fileName} ({m.status})</div>
                      ))}
                      {r.links.flagChanges.map((f) => (
                        <div key={f.id} title={f.at}>{f.message}</div>
                      ))}
                      <button className="btn small ghost" disabled={!write.ok} title={write.why ?? undefined} onClick={() => setLinking(r)}>
                        {r.links.migrations.length + r.links.flagChanges.length === 0 ? 'Link changes' : 'Edit links'}
                      </button>
                    </td>
                    <td className="row">
                      {r.status === 'planned' && (
                        <button className="btn small" disabled={!write.ok || busy} onClick={() => void act(() => call('deployments.start', { id: r.id }), `Started “${r.releaseName}”.`)}>
                          Start
                        </button>
                      )}
                      {r.status === 'canary' && (
                        <button
                          className="btn small"
                          disabled={!write.ok || busy}
                          onClick={() => void act(async () => toast('info', (await call('deployments.advance', { id: r.id })).message), 'Canary checked.')}
                        >
                          Check canary
                        </button>
                      )}
                      {(r.status === 'in_progress' || (r.status === 'canary' && r.canaryPercent === 100)) && (
                        <button
                          className="btn small"
                          disabled={!write.ok || busy}
                          onClick={() => void act(() => call('deployments.finish', { id: r.id, outcome: 'succeeded' }), `“${r.releaseName}” succeeded.`)}
                        >
                          Mark succeeded
                        </button>
                      )}
                      {(r.status === 'in_progress' || r.status === 'canary' || r.status === 'failed') && (
                        <button
                          className="btn small danger"
                          disabled={!write.ok || busy}
                          onClick={() => setRollback(r)}
                        >
                          Roll back
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" data-testid="dora">
          <header>DORA figures (computed from the runs)</header>
          {data.dora.length === 0 ? (
            <div className="body dim">No run has finished in this period.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Environment</th>
                  <th>Corridor</th>
                  {/* Named for what they count: "Deployments 0" beside "Change failure rate 100%" read as a contradiction after a rollback. */}
                  <th className="num" title="Succeeded runs finished in the period">
                    Deployments (succeeded)
                  </th>
                  <th className="num">Per week</th>
                  <th className="num" title="Failed or rolled back, over every run that finished in the period">
                    Change failure rate (of finished runs)
                  </th>
                  <th className="num">Time to restore (median)</th>
                  <th className="num">Lead time (record → success)</th>
                </tr>
              </thead>
              <tbody>
                {data.dora.map((d) => (
                  <tr key={`${d.environment}-${d.corridorId ?? ''}`}>
                    <td>{d.environment}</td>
                    <td>{d.corridorName ?? 'all'}</td>
                    <td className="num">{d.deployments}</td>
                    <td className="num">{d.perWeek}</td>
                    <td className="num">{pct(d.changeFailureRate)}</td>
                    <td className="num">
                      {mins(d.medianRestoreMinutes)}
                      {d.unrestored > 0 ? ` (${d.unrestored} not restored)` : ''}
                    </td>
                    <td className="num">{mins(d.medianLeadMinutes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" data-testid="change-events">
          <header>Change alerts</header>
          {data.events.length === 0 ? (
            <div className="body dim">No deploy, canary or flag change yet.</div>
          ) : (
            <ul className="body change-list">
              {data.events.slice(0, 30).map((e) => (
                <li key={e.id} data-severity={e.severity}>
                  <Time iso={e.at} /> <span className={e.severity === 'info' ? '' : 'bad'}>{e.message}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {rollback && (
        <ReasonDialog
          title={`Roll back “${rollback.releaseName}”?`}
          confirmLabel="Mark rolled back"
          danger
          placeholder="What went wrong, and what was undone"
          onClose={() => setRollback(null)}
          onSubmit={async (reason) => {
            await call('deployments.finish', { id: rollback.id, outcome: 'rolled_back', reason });
            toast('ok', `“${rollback.releaseName}” rolled back.`);
            await useDeployments.getState().load();
          }}
        >
          {rollback.rollbackPlan ? <p>Rollback plan: {rollback.rollbackPlan}</p> : <p className="dim">This run has no rollback plan recorded.</p>}
        </ReasonDialog>
      )}
      {linking && data && (
        <LinkChangesDialog
          run={linking}
          events={data.events}
          onClose={() => setLinking(null)}
          onSaved={() => {
            toast('ok', `Links of “${linking.releaseName}” saved.`);
            setLinking(null);
            void useDeployments.getState().load();
          }}
        />
      )}
    </div>
  );
}
