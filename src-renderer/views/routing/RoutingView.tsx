import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { REJECT_LABELS } from '../../../src-shared/domain/routing/types';
import { NoOrg } from '../../components/NoOrg';
import { useViewKeys } from '../incidents/useViewKeys';
import { EmptyState } from '../../components/States';
import { Id } from '../../components/Id';
import { Time } from '../../components/Time';
import { useGrid } from '../../stores/grid-store';
import { useModels } from '../../stores/models-store';
import { useRouting } from '../../stores/routing-store';
import { useRuntimes } from '../../stores/runtimes-store';
import { useSla } from '../../stores/sla-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { LinkedDecision } from './LinkedDecision';

// The basemap is large: it loads when the first decision is drawn, as the Network view's does.
const DecisionMap = lazy(() => import('./DecisionMap'));

/**
 * /routing: run a simulation (rollout step 4) and read its decision and funnel; save it as
 * evidence for the pilot gate; and "what if" a site, corridor or runtime went down.
 * Keys: s simulate, r reload.
 */
export function RoutingView() {
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const param = useUi((s) => s.param);
  const write = canWrite(info);
  const session = info?.session;
  const sla = useSla((s) => s.data);
  const models = useModels((s) => s.models);
  const { last, running, error, decisions, simulate } = useRouting();

  const [customerId, setCustomerId] = useState('');
  const [model, setModel] = useState('');
  const [origin, setOrigin] = useState('');
  const [workload, setWorkload] = useState('general');
  const [tokens, setTokens] = useState(1000);
  const [evidence, setEvidence] = useState(false);

  useEffect(() => {
    if (!session) return;
    void useSla.getState().load();
    void useModels.getState().load();
    void useGrid.getState().load();
    void useRuntimes.getState().load();
    void useRouting.getState().loadDecisions();
  }, [session?.orgId, epoch]);
  useEffect(() => {
    if (!customerId && sla?.customers[0]) setCustomerId(sla.customers[0].id);
  }, [sla, customerId]);
  useEffect(() => {
    if (!model && models?.[0]) setModel(models[0].id);
  }, [models, model]);

  const ready = !!customerId && !!model && /^[A-Za-z]{2}$/.test(origin);
  // Why Simulate cannot run yet, said next to the button (a disabled button alone tells nothing).
  const missing = [
    !customerId && 'choose a customer',
    !model && (models && models.length === 0 ? 'add a model in Models (the catalog is empty)' : 'choose a model'),
    !/^[A-Za-z]{2}$/.test(origin) && (origin ? `the origin country must be two letters (“${origin}” is not)` : 'type the request’s origin country (two letters, e.g. DE)'),
  ].filter((m): m is string => !!m);
  const blocked = write.why ?? (missing.length ? `To simulate, ${missing.join(', ')}.` : null);
  const run = () => {
    if (!ready || !write.ok) return;
    void simulate({ customerId, model, originCountry: origin, workloadClass: workload, estimatedTokens: tokens, saveAsEvidence: evidence });
  };
  useViewKeys({
    s: run,
    r: () => void useRouting.getState().loadDecisions(),
  });

  if (!session) return <NoOrg title="Routing" what="Routing simulations and decisions" />;
  if (sla && sla.customers.length === 0) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Routing</h1>
        </div>
        <EmptyState title="No customer to route for" action={<button className="btn primary" onClick={() => navigate('sla')}>Open SLA</button>}>
          A simulation routes one customer’s request under its tier and SLA policy. Add a customer (and install the default SLA policies) in the SLA view first.
        </EmptyState>
      </div>
    );
  }

  const d = last?.decision;
  return (
    <div className="view">
      <div className="view-head">
        <h1>Routing</h1>
        <span className="sub">Decisions are computed from the last runtime probes and node telemetry, and recorded.</span>
      </div>
      <div className="stack">
        {param && <LinkedDecision key={param} decisionId={param} />}
        <section className="panel" data-testid="simulation">
          <header>Simulate a request</header>
          <div className="body">
            <div className="fields-row">
              <label className="field">
                <span>Customer</span>
                <select name="customer" value={customerId} onChange={(e) => setCustomerId(e.target.value)}>
                  {sla?.customers.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} ({c.tier}, {c.homeCorridorName})
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                <span>Model</span>
                <input name="model" list="routing-models" value={model} onChange={(e) => setModel(e.target.value)} />
                <datalist id="routing-models">
                  {models?.map((m) => <option key={m.id} value={m.id} />)}
                </datalist>
              </label>
              <label className="field">
                <span>Origin country</span>
                <input name="origin" value={origin} maxLength={2} placeholder="e.g. DE" onChange={(e) => setOrigin(e.target.value.toUpperCase())} />
              </label>
              <label className="field">
                <span>Workload class</span>
                <input name="workload" value={workload} placeholder="general, health…" onChange={(e) => setWorkload(e.target.value)} />
              </label>
              <label className="field">
                <span>Estimated tokens</span>
                <input name="tokens" type="number" min={1} value={tokens} onChange={(e) => setTokens(Math.max(1, Number(e.target.value) || 1))} />
              </label>
            </div>
            <label>
              <input type="checkbox" name="evidence" checked={evidence} onChange={(e) => setEvidence(e.target.checked)} /> Save as evidence (pilot gate: “routing simulation selects a valid node or explains why none is available”)
            </label>{' '}
            <button className="btn primary" data-testid="simulate" disabled={!ready || running || !write.ok} title={blocked ?? 'Simulate (s)'} onClick={run}>
              {running ? 'Routing…' : 'Simulate'} <kbd>s</kbd>
            </button>
            {blocked && ' '}
            {blocked && (
              <span className="dim" data-testid="simulate-why">
                {blocked}
              </span>
            )}
            {error && (
              <div className="err" role="alert" data-testid="simulation-error">
                {error}
              </div>
            )}
          </div>
        </section>

        {d && last && (
          <section className="panel" data-testid="decision" data-selected={d.selected ? 'yes' : 'no'}>
            <header>Decision</header>
            <div className="body">
              {d.selected ? (
                <div className="big" data-testid="selected">
                  → {d.selected.hostname} at {d.selected.siteName} ({d.selected.corridorName}) · est. {d.selected.estimatedLatencyMs} ms
                </div>
              ) : (
                <div className="big err" data-testid="explanation">
                  {d.explanation}
                </div>
              )}
              <div className="dim">{d.policyReason}</div>
              <div data-testid="fallback">Fallback: {d.fallback ? `${d.fallback.hostname} at ${d.fallback.siteName} (${d.fallback.corridorName})` : 'none'}</div>
              {(last.points.selected || last.points.fallback) && (
                <Suspense fallback={<div className="faint">Loading the map…</div>}>
                  <DecisionMap
                    points={[
                      ...(last.points.selected ? [{ ...last.points.selected, role: 'selected' as const }] : []),
                      ...(last.points.fallback && last.points.fallback.siteId !== last.points.selected?.siteId ? [{ ...last.points.fallback, role: 'fallback' as const }] : []),
                    ]}
                  />
                </Suspense>
              )}
              <table className="grid" data-testid="funnel">
                <thead>
                  <tr>
                    <th>Rule</th>
                    <th className="num">Removed</th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <td>Candidates (node × runtime)</td>
                    <td className="num">{d.considered}</td>
                  </tr>
                  {d.funnel.map((f) => (
                    <tr key={f.reason} className={f.removed ? '' : 'faint'}>
                      <td>{REJECT_LABELS[f.reason]}</td>
                      <td className="num">{f.removed}</td>
                    </tr>
                  ))}
                  <tr>
                    <td>Eligible</td>
                    <td className="num">{d.eligible}</td>
                  </tr>
                </tbody>
              </table>
              <div className="faint">
                Recorded as decision <span className="mono">{last.decisionId.slice(0, 8)}</span> · inputs digest <span className="mono">{last.inputsDigest.slice(0, 16)}…</span>
                {last.evidenceId && <span data-testid="evidence-saved"> · saved as evidence</span>}
              </div>
            </div>
          </section>
        )}

        <WhatIfPanel />

        <section className="panel" data-testid="decisions">
          <header>Recent decisions</header>
          {decisions.length === 0 ? (
            <div className="body dim">No routing decision recorded yet.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Customer</th>
                  <th>Model</th>
                  <th>Origin</th>
                  <th>Corridor</th>
                  <th>Node</th>
                  <th>Fallback</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {decisions.map((x) => (
                  <tr key={x.id}>
                    <td className="dim">
                      <Time iso={x.decidedAt} />
                    </td>
                    <td>{x.customerName ?? '—'}</td>
                    <td className="mono">
                      <Id value={x.model} testId="decision-model" />
                    </td>
                    <td>{x.originCountry}</td>
                    <td title={x.region ? `region ${x.region}` : undefined}>{x.corridorName ?? x.region ?? '—'}</td>
                    <td>{x.selectedHostname ? <Id value={x.selectedHostname} /> : <span className="faint">none</span>}</td>
                    <td>{x.fallbackHostname ? <Id value={x.fallbackHostname} /> : '—'}</td>
                    <td className="dim">{x.explanation ?? x.policyReason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}

/** A row's outcome in the summary's own words, so the table and the line above it agree. */
const OUTCOME_WORDS = { moved: 'moved', lost: 'no longer served', unchanged: 'unchanged', still_unserved: 'not served before either' } as const;

/** What if: mark a site, corridor or runtime down and see where each customer's traffic goes. */
function WhatIfPanel() {
  const overview = useGrid((s) => s.overview);
  const runtimes = useRuntimes((s) => s.runtimes);
  // What the shown blast radius is of (whatIfOf): the choice at the time of the run, not the
  // select's value now; or the incident whose Customer impact opened this view.
  const { whatIf, whatIfError, whatIfOf: ranFor, runWhatIf } = useRouting();
  const navigate = useUi((s) => s.navigate);
  const [kind, setKind] = useState<'site' | 'corridor' | 'runtime'>('site');
  const [target, setTarget] = useState('');
  const options = useMemo(() => {
    if (kind === 'site') return (overview?.sites ?? []).map((s) => ({ id: s.id, name: s.name }));
    if (kind === 'corridor') return (overview?.corridors ?? []).map((c) => ({ id: c.id, name: c.name }));
    return (runtimes ?? []).map((r) => ({ id: r.id, name: `${r.name} (${r.hostname})` }));
  }, [kind, overview, runtimes]);

  return (
    <section className="panel" data-testid="what-if">
      <header>What if…</header>
      <div className="body">
        <div className="fields-row">
          <label className="field">
            <span>Goes down</span>
            <select name="whatif-kind" value={kind} onChange={(e) => { setKind(e.target.value as typeof kind); setTarget(''); }}>
              <option value="site">a site</option>
              <option value="corridor">a corridor</option>
              <option value="runtime">a runtime</option>
            </select>
          </label>
          <label className="field">
            <span>Which</span>
            <select name="whatif-target" value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">Choose…</option>
              {options.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
          <button
            className="btn"
            data-testid="run-what-if"
            disabled={!target}
            onClick={() =>
              void runWhatIf(
                { siteIds: kind === 'site' ? [target] : [], corridorIds: kind === 'corridor' ? [target] : [], runtimeIds: kind === 'runtime' ? [target] : [] },
                { id: target, name: options.find((o) => o.id === target)?.name ?? target },
              )
            }
          >
            Show the blast radius
          </button>
        </div>
        {whatIfError && <div className="err" role="alert">{whatIfError}</div>}
        {ranFor?.note && (
          <div className="dim small" data-testid="what-if-note">
            {ranFor.note}
          </div>
        )}
        {ranFor?.incidentId && (
          <div className="dim small" data-testid="what-if-incident">
            A simulation{ranFor.at ? <>, run <Time iso={ranFor.at} /></> : null}: nothing was drained or moved. To move the traffic for real, drain what the incident names from the incident (or under Nodes, or with a failover drill).{' '}
            <button className="link" onClick={() => navigate('incidents', ranFor.incidentId)}>
              Back to the incident
            </button>
          </div>
        )}
        {whatIf && (
          <>
            <div data-testid="what-if-summary" data-target={ranFor?.id}>
              {ranFor && <span className="dim">If {ranFor.name} goes down: </span>}
              {whatIf.summary.moved} moved · {whatIf.summary.lost} no longer served · {whatIf.summary.unchanged} unchanged · {whatIf.summary.stillUnserved} not served before either
            </div>
            {whatIf.partial && (
              <div className="warn-text small" data-testid="what-if-partial">
                Partial: only the first {whatIf.partial.customers} customers ({whatIf.partial.requests} customer × model pairs) were routed; the rest are not in this answer.
              </div>
            )}
            {whatIf.rows.length === 0 ? (
              <div className="dim">No customer traffic to move: add customers and connect runtimes first.</div>
            ) : (
              <table className="grid" data-testid="what-if-rows">
                <thead>
                  <tr>
                    <th>Customer</th>
                    <th>Model</th>
                    <th>Outcome</th>
                    <th>Before</th>
                    <th>After</th>
                  </tr>
                </thead>
                <tbody>
                  {whatIf.rows.filter((r) => r.outcome !== 'unchanged').concat(whatIf.rows.filter((r) => r.outcome === 'unchanged')).slice(0, 200).map((r) => (
                    <tr key={`${r.customerId}-${r.model}`} data-outcome={r.outcome}>
                      <td>{r.customerName}</td>
                      <td className="mono">
                        <Id value={r.model} />
                      </td>
                      <td>{OUTCOME_WORDS[r.outcome]}</td>
                      <td>{r.before ?? '—'}</td>
                      <td title={r.explanation ?? undefined}>{r.after ?? <span className="err">{r.explanation ?? 'none'}</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </div>
    </section>
  );
}
