import { useEffect } from 'react';
import { rollup } from '../../../src-shared/domain/component-status';
import { INCIDENT_STATE_LABELS } from '../../../src-shared/domain/incident-lifecycle';
import { viewKey } from '../../app/shortcuts';
import { call, errorText } from '../../bridge/client';
import { NoOrg } from '../../components/NoOrg';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { startOperatorLive, useOperator } from '../../stores/operator-store';
import { startStatusLive, useStatus } from '../../stores/status-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import '../../styles/ops.css';
import { SeverityPill } from '../alerts/AlertBadges';
import { InstanceTable } from '../alerts/InstanceTable';
import { scoreText } from '../observability/ObservabilityView';

/** The bar's colour follows the corridor's health, not its score. */
const HEALTH_BAR = { healthy: 'good', warning: 'fair', critical: 'poor', stale: 'fair', unknown: '' } as const;

/** /operator: the shift on one screen — what is on fire, what fires, how each corridor is, today’s checklist, who changed what. */
export function OperatorView() {
  const { data, error } = useOperator();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const session = info?.session;

  useEffect(() => startOperatorLive(), []);
  // Component status too: "no critical incident" is not "go ahead" while a corridor is in outage.
  useEffect(() => startStatusLive(), []);
  useEffect(() => {
    if (!session) return;
    void useOperator.getState().load();
    void useStatus.getState().load();
  }, [session?.orgId, epoch]);
  const status = useStatus();
  // Unknown until Status has answered for this org: never "go ahead" on an empty list.
  const outages = status.loaded && !status.error ? rollup(status.components).incidentLevel : null;

  const startDaily = async () => {
    try {
      const { run } = await call('checklists.start', { templateKey: 'daily' });
      navigate('checklists', run.id);
    } catch (err) {
      toast('error', errorText(err));
    }
  };

  // "Start the daily checklist" from the palette: the same as d, once the figures are in.
  const pending = useUi((s) => s.pendingAction);
  useEffect(() => {
    if (!data || !useUi.getState().takeAction('start-daily')) return;
    if (data.checklist) navigate('checklists', data.checklist.id);
    else if (write.ok) void startDaily();
    else toast('info', write.why ?? 'You cannot start checklists.');
  }, [pending, data]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      if (e.key === 'r') {
        e.preventDefault();
        void useOperator.getState().load();
      } else if (e.key === 'd') {
        e.preventDefault();
        if (data?.checklist) navigate('checklists', data.checklist.id);
        else if (write.ok) void startDaily();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [data, write.ok]);

  if (!session) return <NoOrg title="Operator" what="Incidents, alerts, corridor health and today’s checklist" />;
  if (error && !data) return <div className="view"><ErrorState title="Could not load the operator screen" message={error} action={<button className="btn" onClick={() => void useOperator.getState().load()}>Try again</button>} /></div>;
  if (!data) return <div className="view dim">Loading…</div>;

  const p = data.checklist?.progress;
  return (
    <div className="view">
      <div className="view-head">
        <h1>Operator</h1>
        <span className="sub">
          {session.orgName} · as of <Time iso={data.at} mode="local" />
        </span>
      </div>

      {data.evaluation.stale && (
        <div className="check bad" data-testid="evaluation-stale">
          <div>
            <div className="big">Nobody is evaluating alert rules</div>
            <div className="dim">
              {data.evaluation.at ? (
                <>
                  Last evaluated <Time iso={data.evaluation.at} /> by {data.evaluation.by}.
                </>
              ) : (
                'Never evaluated in this org.'
              )}{' '}
              A Mission Control workstation whose operator may write evaluates them.
            </div>
          </div>
        </div>
      )}

      <div className="operator">
        <section className="panel" data-testid="op-incidents">
          <header>
            Open critical and high incidents <span className="faint">({data.incidents.length})</span>
            <div className="actions">
              <button className="btn small ghost" onClick={() => navigate('incidents')}>
                All incidents
              </button>
            </div>
          </header>
          {data.incidents.length === 0 ? (
            <div className={`body ${outages === 0 ? 'dim' : ''}`} data-testid="op-go-ahead" data-go={outages === 0}>
              {outages === null ? (
                status.error ? (
                  <>None open. Component status could not be read ({status.error}); check <a href="#/status">Status</a> before new traffic.</>
                ) : (
                  'None open. Checking component status…'
                )
              ) : outages === 0 ? (
                'None open, and no component is in partial or major outage: new traffic may go ahead as far as incidents are concerned.'
              ) : (
                <>
                  None open, but {outages} component{outages === 1 ? ' is' : 's are'} in partial or major outage: hold new traffic and see{' '}
                  <a href="#/status">Status</a>.
                </>
              )}
            </div>
          ) : (
            <table className="grid">
              <tbody>
                {data.incidents.map((i) => (
                  <tr key={i.id} className="row" onClick={() => navigate('incidents', i.id)} data-testid={`op-incident-${i.ref}`}>
                    <td className="mono">{i.ref}</td>
                    <td>
                      <SeverityPill severity={i.severity} />
                    </td>
                    <td>{i.title}</td>
                    <td className="dim">{INCIDENT_STATE_LABELS[i.state]}</td>
                    <td className={i.acknowledged ? 'dim' : 'err'}>{i.acknowledged ? `ack ${i.acknowledged.by.name}` : 'not acknowledged'}</td>
                    <td className="dim nowrap">
                      <Time iso={i.openedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" data-testid="op-firing">
          <header>
            Firing alerts <span className="faint">({data.firing.length})</span>
            <div className="actions">
              <button className="btn small ghost" onClick={() => navigate('alerts')}>
                Alerts
              </button>
            </div>
          </header>
          {data.firing.length === 0 ? <div className="body dim">No alert is firing.</div> : <InstanceTable rows={data.firing} onIncident={(id) => navigate('incidents', id)} />}
        </section>

        <section className="panel" data-testid="op-corridors">
          <header>
            Corridor health
            <div className="actions">
              <button className="btn small ghost" onClick={() => navigate('observability')}>
                Observability
              </button>
            </div>
          </header>
          {data.corridors.length === 0 ? (
            <div className="body dim">No corridors yet: add them under Corridors.</div>
          ) : (
            <table className="grid">
              <tbody>
                {data.corridors.map((c) => (
                  <tr key={c.corridorId} data-testid={`op-corridor-${c.name}`} data-health={c.health} data-basis={c.basis} title={c.explain}>
                    <td>{c.name}</td>
                    <td className={`health-${c.health}`}>
                      <i className="dot" aria-hidden="true" /> {c.label}
                    </td>
                    <td style={{ width: '30%' }}>
                      {/* The bar takes the verdict's colour: a declared outage never shows as a green 98. */}
                      <div className={`bar ${HEALTH_BAR[c.health]}`} title={c.score === null ? 'no running nodes' : `health score ${c.score}`}>
                        <span style={{ width: `${c.score ?? 0}%` }} />
                      </div>
                    </td>
                    <td className="num dim">{scoreText(c.score)}</td>
                    <td className="dim">
                      {c.running} running{c.critical ? ` · ${c.critical} critical` : ''}
                    </td>
                    <td className="dim">{c.readiness}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" data-testid="op-checklist">
          <header>
            Today’s checklist
            <div className="actions">
              {data.checklist ? (
                <button className="btn small" onClick={() => navigate('checklists', data.checklist!.id)}>
                  Open (d)
                </button>
              ) : (
                <button className="btn small primary" disabled={!write.ok} title={write.why ?? 'Start today’s daily checklist (d)'} onClick={() => void startDaily()}>
                  Start (d)
                </button>
              )}
            </div>
          </header>
          <div className="body">
            {!data.checklist || !p ? (
              <span className="dim">Today’s daily checklist has not been started.</span>
            ) : (
              <>
                <div className={`bar ${p.failed ? 'poor' : p.complete ? '' : 'fair'}`}>
                  <span style={{ width: `${((p.total - p.open) / Math.max(1, p.total)) * 100}%` }} />
                </div>
                <div className="dim" style={{ marginTop: 6 }}>
                  {p.total - p.open} of {p.total} done{p.failed ? ` · ${p.failed} failed` : ''}
                  {p.skipped ? ` · ${p.skipped} not applicable` : ''}
                  {data.checklist.completedAt ? ' · complete' : ''}
                  {data.checklist.startedBy && ` · started by ${data.checklist.startedBy.name}`}
                </div>
              </>
            )}
          </div>
        </section>

        <section className="panel wide" data-testid="op-audit">
          <header>
            Recent changes
            <div className="actions">
              <button className="btn small ghost" onClick={() => navigate('audit')}>
                Audit log
              </button>
            </div>
          </header>
          {data.audit.length === 0 ? (
            <div className="body dim">Nothing recorded yet.</div>
          ) : (
            <table className="grid">
              <tbody>
                {data.audit.map((e) => (
                  <tr key={e.seq}>
                    <td className="dim mono">#{e.seq}</td>
                    <td className="dim nowrap">
                      <Time iso={e.at} />
                    </td>
                    <td>{e.actor.name}</td>
                    <td className="mono">{e.action}</td>
                    <td className="dim">{e.reason ?? ''}</td>
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
