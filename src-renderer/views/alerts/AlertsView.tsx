import { useEffect, useState } from 'react';
import type { AlertRule } from '../../../src-shared/contract/alerts';
import { viewKey } from '../../app/shortcuts';
import { call } from '../../bridge/client';
import { ReasonDialog } from '../../components/ReasonDialog';
import { NoOrg } from '../../components/NoOrg';
import { ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { startAlertsLive, useAlerts } from '../../stores/alerts-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import '../../styles/ops.css';
import { AlertStateBadge, SeverityPill } from './AlertBadges';
import { InstanceTable } from './InstanceTable';
import { RuleDialog } from './RuleDialog';

/** /alerts: what fires now, the rules that decide it, and what changed lately. */
export function AlertsView() {
  const { data, history, error } = useAlerts();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [deleting, setDeleting] = useState<AlertRule | null>(null);
  const [selected, setSelected] = useState(0);
  const session = info?.session;

  useEffect(() => startAlertsLive(), []);
  useEffect(() => {
    if (session) void useAlerts.getState().load();
  }, [session?.orgId, epoch]);

  const rules = data?.rules ?? [];
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      if (e.key === 'n' && write.ok) {
        e.preventDefault();
        setEditing('new');
      } else if (e.key === 'r') {
        e.preventDefault();
        void useAlerts.getState().load();
      } else if (e.key === 'j' || e.key === 'k') {
        e.preventDefault();
        setSelected((i) => Math.max(0, Math.min(rules.length - 1, i + (e.key === 'j' ? 1 : -1))));
      } else if ((e.key === 'e' || e.key === 'Enter') && write.ok && rules[selected]) {
        e.preventDefault();
        setEditing(rules[selected]!);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rules, selected, write.ok]);

  if (!session) return <NoOrg title="Alerts" what="Alert rules" />;
  if (error && !data) return <div className="view"><ErrorState title="Could not load alerts" message={error} action={<button className="btn" onClick={() => void useAlerts.getState().load()}>Try again</button>} /></div>;
  if (!data) return <div className="view dim">Loading…</div>;

  const active = data.instances.filter((i) => i.state !== 'resolved');
  const resolved = data.instances.filter((i) => i.state === 'resolved');
  const firing = data.instances.filter((i) => i.state === 'firing').length;

  return (
    <div className="view">
      <div className="view-head">
        <h1>Alerts</h1>
        <span className="sub">
          {firing} firing · {data.instances.filter((i) => i.state === 'pending').length} pending · {rules.filter((r) => r.enabled).length} of {rules.length} rules enabled
        </span>
        <div className="actions">
          <button className="btn primary" disabled={!write.ok} title={write.why ?? 'New alert rule (n)'} onClick={() => setEditing('new')} data-testid="new-rule">
            New rule…
          </button>
        </div>
      </div>

      <div className={`check ${data.evaluation.stale ? 'bad' : 'ok'}`} data-testid="evaluation" data-stale={data.evaluation.stale}>
        <div>
          <div className="big">{data.evaluation.stale ? 'Nobody is evaluating alert rules' : 'Alert rules are being evaluated'}</div>
          <div className="dim">
            {data.evaluation.at ? (
              <>
                Last evaluated <Time iso={data.evaluation.at} /> by {data.evaluation.by}.
              </>
            ) : (
              'Never evaluated in this org.'
            )}{' '}
            {data.evaluation.stale && 'Rules are evaluated by Mission Control workstations whose operator may write; start one (an auditor’s workstation only reads).'}
          </div>
        </div>
      </div>

      <div className="stack">
        <section className="panel" data-testid="active-alerts">
          <header>Firing and pending</header>
          {active.length === 0 ? (
            <div className="body dim">No alert is firing or pending. {rules.length === 0 ? 'There are no rules yet: press n to add one.' : ''}</div>
          ) : (
            <InstanceTable rows={active} onIncident={(id) => navigate('incidents', id)} />
          )}
        </section>

        <section className="panel" data-testid="rules">
          <header>
            Rules <span className="faint">({rules.length})</span>
          </header>
          {rules.length === 0 ? (
            <div className="body dim">No rules. The production defaults are installed when a workstation that may write first connects; add your own with New rule.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Rule</th>
                  <th>Severity</th>
                  <th>Condition</th>
                  <th>Incident</th>
                  <th className="num">Firing</th>
                  <th className="num">Pending</th>
                  <th>Changed</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rules.map((r, i) => (
                  <tr key={r.id} className={`row ${r.enabled ? '' : 'disabled'}`} aria-selected={i === selected} onClick={() => setSelected(i)} data-testid={`rule-${r.name}`}>
                    <td>
                      {r.name}
                      {!r.enabled && <span className="pill"> off</span>}
                    </td>
                    <td>
                      <SeverityPill severity={r.severity} />
                    </td>
                    <td className="dim">{r.description}</td>
                    <td className="dim">{r.openIncident ? `opens ${r.incidentSeverity}` : '—'}</td>
                    <td className="num">{r.firing || ''}</td>
                    <td className="num">{r.pending || ''}</td>
                    <td className="dim">
                      <Time iso={r.updatedAt} />
                      {r.updatedBy && ` by ${r.updatedBy.name}`}
                    </td>
                    <td className="row-actions">
                      <button className="btn small" disabled={!write.ok} title={write.why ?? 'Edit (e)'} onClick={() => setEditing(r)}>
                        Edit
                      </button>
                      <button className="btn small ghost" disabled={!write.ok} title={write.why ?? 'Delete the rule'} onClick={() => setDeleting(r)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        {resolved.length > 0 && (
          <section className="panel">
            <header>Resolved in the last day</header>
            <InstanceTable rows={resolved} onIncident={(id) => navigate('incidents', id)} />
          </section>
        )}

        <section className="panel" data-testid="alert-history">
          <header>Recent changes</header>
          {history.length === 0 ? (
            <div className="body dim">No alert has changed state yet (kept 30 days).</div>
          ) : (
            <table className="grid">
              <tbody>
                {history.map((h) => (
                  <tr key={h.id}>
                    <td className="dim nowrap">
                      <Time iso={h.at} />
                    </td>
                    <td>
                      <AlertStateBadge state={h.to} />
                    </td>
                    <td>{h.ruleName}</td>
                    <td>{h.subjectName}</td>
                    <td className="dim">{h.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      {editing && (
        <RuleDialog
          rule={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onDone={() => {
            toast('ok', editing === 'new' ? 'Rule created.' : 'Rule saved.');
            setEditing(null);
            void useAlerts.getState().load();
          }}
        />
      )}
      {deleting && (
        <ReasonDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel="Delete rule"
          danger
          onClose={() => setDeleting(null)}
          onSubmit={async (reason) => {
            await call('alerts.deleteRule', { id: deleting.id, reason });
            toast('ok', `Rule “${deleting.name}” deleted.`);
            void useAlerts.getState().load();
          }}
        >
          <p>Its alerts stop. Incidents it opened stay, with their timelines; its past state changes are kept for 30 days.</p>
        </ReasonDialog>
      )}
    </div>
  );
}
