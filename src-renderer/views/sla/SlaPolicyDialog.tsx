import { useState } from 'react';
import { FAILOVER_LABELS, FAILOVER_RULES, type SlaPolicy } from '../../../src-shared/contract/sla';
import { call, errorText, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { useGrid } from '../../stores/grid-store';
import { useSla } from '../../stores/sla-store';
import { useUi } from '../../stores/ui-store';

/** Create or change an SLA policy (admins); the change and its before/after are audited. */
export function SlaPolicyDialog({ policy, onClose }: { policy: SlaPolicy | null; onClose: () => void }) {
  const corridors = useGrid((s) => s.overview?.corridors ?? []);
  const toast = useUi((s) => s.toast);
  const [key, setKey] = useState(policy?.key ?? '');
  const [name, setName] = useState(policy?.name ?? '');
  const [uptime, setUptime] = useState(String(policy?.uptimeTargetPct ?? 99.9));
  const [p95, setP95] = useState(String(policy?.p95TargetMs ?? 800));
  const [window, setWindow] = useState(String(policy?.escalationWindowMin ?? 15));
  const [rule, setRule] = useState<SlaPolicy['failoverRule']>(policy?.failoverRule ?? 'same_corridor');
  const [fallback, setFallback] = useState(policy?.fallbackCorridorId ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  async function submit() {
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await call('sla.savePolicy', {
        id: policy?.id ?? null,
        key,
        name,
        uptimeTargetPct: Number(uptime),
        p95TargetMs: Math.round(Number(p95)),
        escalationWindowMin: Math.round(Number(window)),
        failoverRule: rule,
        fallbackCorridorId: rule === 'fallback_corridor' ? fallback || null : null,
      });
      toast('ok', `SLA policy ${name} saved.`);
      await useSla.getState().load();
      onClose();
    } catch (err) {
      setError(errorText(err));
      if (err instanceof McClientError && err.fields) setFields(err.fields);
    } finally {
      setBusy(false);
    }
  }
  const field = (k: string) => (fields[k] ? <span className="err">{fields[k]}</span> : null);

  return (
    <Dialog
      title={policy ? `SLA policy: ${policy.name}` : 'New SLA policy'}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" data-testid="save-sla-policy" disabled={busy || !key || !name} onClick={() => void submit()}>
            {busy ? 'Saving…' : policy ? 'Change policy' : 'Add policy'}
          </button>
        </>
      }
    >
      <div className="fields-row">
        <label className="field">
          <span>Key</span>
          <input name="key" autoFocus={!policy} disabled={!!policy} value={key} placeholder="gold" onChange={(e) => setKey(e.target.value)} />
          {field('key')}
        </label>
        <label className="field">
          <span>Name</span>
          <input name="name" value={name} placeholder="Gold" onChange={(e) => setName(e.target.value)} />
          {field('name')}
        </label>
      </div>
      <div className="fields-row">
        <label className="field">
          <span>Uptime target (%)</span>
          <input name="uptime" type="number" step="0.01" value={uptime} onChange={(e) => setUptime(e.target.value)} />
          {field('uptimeTargetPct')}
        </label>
        <label className="field">
          <span>p95 latency target (ms)</span>
          <input name="p95" type="number" value={p95} onChange={(e) => setP95(e.target.value)} />
          {field('p95TargetMs')}
        </label>
        <label className="field">
          <span>Escalation window (min)</span>
          <input name="window" type="number" value={window} onChange={(e) => setWindow(e.target.value)} />
          {field('escalationWindowMin')}
        </label>
      </div>
      <label className="field">
        <span>Failover rule</span>
        <select name="failover" value={rule} onChange={(e) => setRule(e.target.value as SlaPolicy['failoverRule'])}>
          {FAILOVER_RULES.map((r) => (
            <option key={r} value={r}>
              {FAILOVER_LABELS[r]}
            </option>
          ))}
        </select>
      </label>
      {rule === 'fallback_corridor' && (
        <label className="field">
          <span>Fallback corridor (general workloads only; residency still applies)</span>
          <select name="fallback" value={fallback} onChange={(e) => setFallback(e.target.value)}>
            <option value="">Choose…</option>
            {corridors.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          {field('fallbackCorridorId')}
        </label>
      )}
      {error && (
        <div className="err" role="alert" data-testid="sla-policy-error">
          {error}
        </div>
      )}
    </Dialog>
  );
}
