import { useState } from 'react';
import { FAILOVER_LABELS, FAILOVER_RULES, type SlaPolicy } from '../../../src-shared/contract/sla';
import { call } from '../../bridge/client';
import { selectCorridors, useGrid } from '../../stores/grid-store';
import { useSla } from '../../stores/sla-store';
import { useUi } from '../../stores/ui-store';
import { Field, FormDialog, FormMessage, fieldError, useSubmit } from '../incidents/parts';

const SHOWN = ['key', 'name', 'uptimeTargetPct', 'p95TargetMs', 'escalationWindowMin', 'fallbackCorridorId'];

/** Create or change an SLA policy (admins); the change and its before/after are audited. */
export function SlaPolicyDialog({ policy, onClose }: { policy: SlaPolicy | null; onClose: () => void }) {
  const corridors = useGrid(selectCorridors);
  const toast = useUi((s) => s.toast);
  const [key, setKey] = useState(policy?.key ?? '');
  const [name, setName] = useState(policy?.name ?? '');
  const [uptime, setUptime] = useState(String(policy?.uptimeTargetPct ?? 99.9));
  const [p95, setP95] = useState(String(policy?.p95TargetMs ?? 800));
  const [window, setWindow] = useState(String(policy?.escalationWindowMin ?? 15));
  const [rule, setRule] = useState<SlaPolicy['failoverRule']>(policy?.failoverRule ?? 'same_corridor');
  const [fallback, setFallback] = useState(policy?.fallbackCorridorId ?? '');
  const { busy, problem, run } = useSubmit();
  const f = (k: string) => fieldError(problem?.fields ?? {}, k);

  const submit = () =>
    run(async () => {
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
    });

  return (
    <FormDialog
      title={policy ? `SLA policy: ${policy.name}` : 'New SLA policy'}
      onClose={onClose}
      onSubmit={() => void submit()}
      submitLabel={busy ? 'Saving…' : policy ? 'Change policy' : 'Add policy'}
      hint="saves"
      busy={busy}
      testId="save-sla-policy"
    >
      <div className="fields-row">
        <Field label="Key" error={f('key')}>
          <input name="key" autoFocus={!policy} disabled={!!policy} value={key} placeholder="gold" onChange={(e) => setKey(e.target.value)} />
        </Field>
        <Field label="Name" error={f('name')}>
          <input name="name" value={name} placeholder="Gold" onChange={(e) => setName(e.target.value)} />
        </Field>
      </div>
      <div className="fields-row">
        <Field label="Uptime target (%)" error={f('uptimeTargetPct')}>
          <input name="uptime" type="number" step="0.01" value={uptime} onChange={(e) => setUptime(e.target.value)} />
        </Field>
        <Field label="p95 latency target (ms)" error={f('p95TargetMs')}>
          <input name="p95" type="number" value={p95} onChange={(e) => setP95(e.target.value)} />
        </Field>
        <Field label="Escalation window (min)" error={f('escalationWindowMin')}>
          <input name="window" type="number" value={window} onChange={(e) => setWindow(e.target.value)} />
        </Field>
      </div>
      <Field label="Failover rule">
        <select name="failover" value={rule} onChange={(e) => setRule(e.target.value as SlaPolicy['failoverRule'])}>
          {FAILOVER_RULES.map((r) => (
            <option key={r} value={r}>
              {FAILOVER_LABELS[r]}
            </option>
          ))}
        </select>
      </Field>
      {rule === 'fallback_corridor' && (
        <Field label="Fallback corridor (general workloads only; residency still applies)" error={f('fallbackCorridorId')}>
          <select name="fallback" value={fallback} onChange={(e) => setFallback(e.target.value)}>
            <option value="">Choose…</option>
            {corridors.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <FormMessage problem={problem} shownFields={SHOWN} />
    </FormDialog>
  );
}
