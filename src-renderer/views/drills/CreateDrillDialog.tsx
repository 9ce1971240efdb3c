import { useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { call, errorText } from '../../bridge/client';
import { LengthHint } from '../../components/LengthHint';
import { useDrills } from '../../stores/drills-store';
import { Field, FormDialog, FormMessage, useSubmit } from '../incidents/parts';
import { SCOPE_LABELS } from './labels';

type Options = Response<'drills.options'>;
type ScopeKind = 'corridor' | 'site' | 'runtime_group';

/** Plan a drill: what it should show, where, measured against which SLA policy, stopped by which alerts. */
export function CreateDrillDialog({ onClose, onDone }: { onClose: () => void; onDone: (id: string) => void }) {
  const [options, setOptions] = useState<Options | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [hypothesis, setHypothesis] = useState('');
  const [scopeKind, setScopeKind] = useState<ScopeKind>('site');
  const [scopeTarget, setScopeTarget] = useState('');
  const [slaPolicyId, setSlaPolicyId] = useState('');
  const [stopRuleIds, setStopRuleIds] = useState<string[]>([]);
  const { problem, busy, run } = useSubmit();
  const errors = problem?.fields ?? {};

  useEffect(() => {
    call('drills.options', {}).then(
      (o) => {
        setOptions(o);
        setSlaPolicyId(o.slaPolicies[0]?.id ?? '');
      },
      (err) => setLoadError(errorText(err)),
    );
  }, []);

  const targets = options ? { corridor: options.corridors, site: options.sites, runtime_group: options.runtimeGroups }[scopeKind] : [];
  const submit = () =>
    void run(async () => {
      const r = await call('drills.create', { hypothesis, scopeKind, scopeTarget, slaPolicyId, stopRuleIds });
      useDrills.getState().show(r.drill);
      onClose();
      onDone(r.drill.id);
    });

  return (
    <FormDialog title="Plan a failover drill" onClose={onClose} onSubmit={submit} hint="plan" busy={busy} testId="create-drill"
      // Until the choices arrive, the SLA policy is not picked yet: planning then would be refused for it.
      disabled={!options || busy}
      submitLabel={loadError ? 'Choices not loaded' : !options ? 'Loading choices…' : busy ? 'Planning…' : 'Plan drill'}
    >
      {loadError && <div className="err">Could not load the choices: {loadError} Close this dialog and open it again to retry.</div>}
      <Field label="Hypothesis: what should hold while the scope is drained" error={errors.hypothesis}>
        <textarea autoFocus name="hypothesis" value={hypothesis} maxLength={2000} placeholder="e.g. EU traffic fails over to PAR-01 and stays in the EU when FRA-01 is drained" onChange={(e) => setHypothesis(e.target.value)} />
        <LengthHint value={hypothesis} max={2000} />
      </Field>
      <Field label="Scope" error={errors.scopeKind}>
        <select
          name="scopeKind"
          value={scopeKind}
          onChange={(e) => {
            setScopeKind(e.target.value as ScopeKind);
            setScopeTarget('');
          }}
        >
          {(Object.keys(SCOPE_LABELS) as ScopeKind[]).map((k) => (
            <option key={k} value={k}>
              {SCOPE_LABELS[k]}
            </option>
          ))}
        </select>
      </Field>
      <Field label={SCOPE_LABELS[scopeKind]} error={errors.scopeTarget}>
        <select name="scopeTarget" value={scopeTarget} onChange={(e) => setScopeTarget(e.target.value)}>
          <option value="">{targets.length ? 'Pick one…' : 'None in this org yet'}</option>
          {targets.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Measured against SLA policy" error={errors.slaPolicyId}>
        <select name="slaPolicyId" value={slaPolicyId} onChange={(e) => setSlaPolicyId(e.target.value)}>
          {options && options.slaPolicies.length === 0 && <option value="">No SLA policy yet: install the defaults in the SLA view</option>}
          {options?.slaPolicies.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </Field>
      <div className={`field ${errors.stopRuleIds ? 'invalid' : ''}`}>
        <span>Stop conditions: a firing rule aborts the drill and puts drained nodes back</span>
        {options && options.alertRules.length === 0 && <span className="faint small">No alert rule yet (Alerts view): the drill then has no automatic stop.</span>}
        <div className="choices" style={{ maxHeight: 160, overflow: 'auto' }}>
          {options?.alertRules.map((r) => (
            <label key={r.id} className="inline-check">
              <input
                type="checkbox"
                name={`stop-${r.name}`}
                checked={stopRuleIds.includes(r.id)}
                onChange={(e) => setStopRuleIds(e.target.checked ? [...stopRuleIds, r.id] : stopRuleIds.filter((x) => x !== r.id))}
              />
              {r.name}
            </label>
          ))}
        </div>
        {errors.stopRuleIds && <span className="err">{errors.stopRuleIds}</span>}
      </div>
      <FormMessage problem={problem} shownFields={['hypothesis', 'scopeKind', 'scopeTarget', 'slaPolicyId', 'stopRuleIds']} />
    </FormDialog>
  );
}
