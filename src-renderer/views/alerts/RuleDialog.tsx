import { useEffect, useMemo, useState } from 'react';
import type { AlertRule } from '../../../src-shared/contract/alerts';
import {
  AGGREGATION_LABELS,
  AGGREGATIONS,
  ALERT_METRICS,
  ALERT_SEVERITIES,
  type AlertMetric,
  type AlertRuleDef,
  COMPARISONS,
  describeRule,
  metricLabel,
  ruleProblems,
  SCOPE_KINDS,
  SCOPE_LABELS,
  type ScopeKind,
} from '../../../src-shared/domain/alert-rules';
import { COMPONENT_STATES, STATE_LABELS } from '../../../src-shared/domain/component-status';
import { SEVERITIES, SEVERITY_LABELS } from '../../../src-shared/domain/incident-lifecycle';
import { METRIC_BY_NAME } from '../../../src-shared/domain/metrics';
import { call, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';

interface Choice {
  id: string;
  name: string;
}

/** What a rule may watch, for the scope picker: loaded when the dialog opens. */
function useScopeChoices(): Record<'corridor' | 'site' | 'node' | 'component', Choice[]> {
  const [choices, setChoices] = useState<Record<'corridor' | 'site' | 'node' | 'component', Choice[]>>({ corridor: [], site: [], node: [], component: [] });
  useEffect(() => {
    void Promise.all([call('grid.overview', {}), call('nodes.list', {}), call('status.list', {})]).then(([g, n, s]) =>
      setChoices({
        corridor: g.corridors.map((c) => ({ id: c.id, name: c.name })),
        site: g.sites.map((x) => ({ id: x.id, name: x.name })),
        node: n.nodes.map((x) => ({ id: x.id, name: x.hostname })),
        component: s.components.map((c) => ({ id: c.id, name: c.name })),
      }),
    );
  }, []);
  return choices;
}

const minutes = (seconds: number) => String(Math.round((seconds / 60) * 100) / 100);

/** Create or edit an alert rule; the sentence under the form says what it will do. */
export function RuleDialog({ rule, onClose, onDone }: { rule: AlertRule | null; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState(rule?.name ?? '');
  const [metric, setMetric] = useState<AlertMetric>(rule?.metric ?? 'p95_latency_ms');
  const [aggregation, setAggregation] = useState<AlertRuleDef['aggregation']>(rule?.aggregation ?? 'p95');
  const [comparison, setComparison] = useState<AlertRuleDef['comparison']>(rule?.comparison ?? '>');
  const [threshold, setThreshold] = useState(rule ? String(rule.threshold) : '1000');
  const [forMin, setForMin] = useState(rule ? minutes(rule.forSeconds) : '5');
  const [keepMin, setKeepMin] = useState(rule ? minutes(rule.keepFiringForSeconds) : '2');
  const [severity, setSeverity] = useState<AlertRuleDef['severity']>(rule?.severity ?? 'warning');
  const [scopeKind, setScopeKind] = useState<ScopeKind>(rule?.scopeKind ?? 'corridor');
  const [scopeId, setScopeId] = useState<string>(rule?.scopeId ?? '');
  const [openIncident, setOpenIncident] = useState(rule?.openIncident ?? false);
  const [incidentSeverity, setIncidentSeverity] = useState<AlertRuleDef['incidentSeverity']>(rule?.incidentSeverity ?? 'critical');
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const choices = useScopeChoices();
  const component = metric === 'component_state';

  const def: AlertRuleDef = {
    name,
    metric,
    aggregation: component ? 'max' : aggregation,
    comparison,
    threshold: Number(threshold),
    forSeconds: Math.round(Number(forMin) * 60),
    keepFiringForSeconds: Math.round(Number(keepMin) * 60),
    severity,
    scopeKind: component ? 'component' : scopeKind === 'component' ? 'corridor' : scopeKind,
    scopeId: scopeId || null,
    openIncident,
    incidentSeverity,
  };
  const list = def.scopeKind === 'all' ? [] : choices[def.scopeKind];
  const scopeName = list.find((c) => c.id === def.scopeId)?.name;
  const local = useMemo(() => (threshold.trim() === '' ? { threshold: 'Give a number.' } : ruleProblems(def)), [JSON.stringify(def), threshold]);
  const unit = component ? '' : (METRIC_BY_NAME.get(metric)?.unit ?? '');

  const submit = async () => {
    setBusy(true);
    setMessage(null);
    try {
      await call('alerts.saveRule', { ...def, enabled, ...(rule ? { id: rule.id, expectedVersion: rule.version } : {}) });
      onDone();
    } catch (err) {
      if (err instanceof McClientError) setErrors(err.fields);
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const err = (k: string) => errors[k] ?? (local as Record<string, string>)[k];
  const field = (k: string) => `field ${err(k) ? 'invalid' : ''}`;

  return (
    <Dialog
      title={rule ? `Alert rule: ${rule.name}` : 'New alert rule'}
      onClose={onClose}
      footer={
        <>
          <span className="hint">The rule is evaluated every 15 s on every workstation that may write (one at a time).</span>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} disabled={busy} data-testid="save-rule">
            {busy ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
          </button>
        </>
      }
    >
      <label className={field('name')}>
        <span>Name</span>
        <input autoFocus name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="P95 latency critical" />
        {err('name') && <span className="err">{err('name')}</span>}
      </label>
      <div className="fields-row">
        <label className="field">
          <span>Watch</span>
          <select
            name="metric"
            value={metric}
            onChange={(e) => {
              const m = e.target.value as AlertMetric;
              setMetric(m);
              if (m === 'component_state') {
                setScopeKind('component');
                setComparison('>=');
                setThreshold('3');
              } else if (scopeKind === 'component') setScopeKind('corridor');
              setScopeId('');
            }}
          >
            {ALERT_METRICS.map((m) => (
              <option key={m} value={m}>
                {metricLabel(m)}
              </option>
            ))}
          </select>
        </label>
        {!component && (
          <label className="field">
            <span>Aggregation</span>
            <select name="aggregation" value={aggregation} onChange={(e) => setAggregation(e.target.value as AlertRuleDef['aggregation'])}>
              {AGGREGATIONS.map((a) => (
                <option key={a} value={a}>
                  {AGGREGATION_LABELS[a]}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="fields-row">
        <label className={field('scopeKind')}>
          <span>Per</span>
          <select
            name="scopeKind"
            value={def.scopeKind}
            disabled={component}
            onChange={(e) => {
              setScopeKind(e.target.value as ScopeKind);
              setScopeId('');
            }}
          >
            {SCOPE_KINDS.filter((k) => (component ? k === 'component' : k !== 'component')).map((k) => (
              <option key={k} value={k}>
                {SCOPE_LABELS[k]}
              </option>
            ))}
          </select>
          {err('scopeKind') && <span className="err">{err('scopeKind')}</span>}
        </label>
        {def.scopeKind !== 'all' && (
          <label className={field('scopeId')}>
            <span>Which</span>
            {def.scopeKind === 'node' ? (
              <>
                <input
                  name="scopeNode"
                  list="rule-nodes"
                  placeholder="every node (or type a host name)"
                  defaultValue={scopeName ?? ''}
                  onChange={(e) => setScopeId(choices.node.find((c) => c.name === e.target.value)?.id ?? '')}
                />
                <datalist id="rule-nodes">
                  {choices.node.map((c) => (
                    <option key={c.id} value={c.name} />
                  ))}
                </datalist>
              </>
            ) : (
              <select name="scopeId" value={scopeId} onChange={(e) => setScopeId(e.target.value)}>
                <option value="">each {SCOPE_LABELS[def.scopeKind]} separately</option>
                {list.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} only
                  </option>
                ))}
              </select>
            )}
            {err('scopeId') && <span className="err">{err('scopeId')}</span>}
          </label>
        )}
      </div>
      <div className="fields-row">
        <label className="field">
          <span>Is</span>
          <select name="comparison" value={comparison} onChange={(e) => setComparison(e.target.value as AlertRuleDef['comparison'])}>
            {COMPARISONS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className={field('threshold')}>
          <span>Threshold{unit ? ` (${unit}${metric === 'error_rate' ? ': 0.05 = 5 %' : ''})` : ''}</span>
          {component ? (
            <select name="threshold" value={threshold} onChange={(e) => setThreshold(e.target.value)}>
              {COMPONENT_STATES.map((s, i) => (
                <option key={s} value={i}>
                  {STATE_LABELS[s]}
                </option>
              ))}
            </select>
          ) : (
            <input name="threshold" inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
          )}
          {err('threshold') && <span className="err">{err('threshold')}</span>}
        </label>
      </div>
      <div className="fields-row">
        <label className={field('forSeconds')}>
          <span>For (minutes)</span>
          <input name="for" inputMode="decimal" value={forMin} onChange={(e) => setForMin(e.target.value)} />
          {err('forSeconds') && <span className="err">{err('forSeconds')}</span>}
        </label>
        <label className={field('keepFiringForSeconds')}>
          <span>Keep firing for (minutes)</span>
          <input name="keep" inputMode="decimal" value={keepMin} onChange={(e) => setKeepMin(e.target.value)} />
          {err('keepFiringForSeconds') && <span className="err">{err('keepFiringForSeconds')}</span>}
        </label>
        <label className="field">
          <span>Severity</span>
          <select name="severity" value={severity} onChange={(e) => setSeverity(e.target.value as AlertRuleDef['severity'])}>
            {ALERT_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s[0]!.toUpperCase() + s.slice(1)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="fields-row">
        <label className="field check">
          <input type="checkbox" name="openIncident" checked={openIncident} onChange={(e) => setOpenIncident(e.target.checked)} />
          <span>Open an incident when it fires</span>
        </label>
        {openIncident && (
          <label className="field">
            <span>Incident severity</span>
            <select name="incidentSeverity" value={incidentSeverity} onChange={(e) => setIncidentSeverity(e.target.value as AlertRuleDef['incidentSeverity'])}>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {SEVERITY_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field check">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <span>Enabled</span>
        </label>
      </div>
      <p className="dim" data-testid="rule-preview">
        {Object.keys(local).length === 0 ? `Fires when ${describeRule(def, scopeName)}.` : 'Fix the fields marked above.'}
        {rule && ' Changing what it watches starts its alerts afresh.'}
      </p>
      {message && (
        <div className="err" role="alert">
          {message}
        </div>
      )}
    </Dialog>
  );
}
