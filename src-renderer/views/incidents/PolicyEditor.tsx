import { useState } from 'react';
import type { EscalationPolicyView } from '../../../src-shared/contract/incidents';
import { ROLE_LABELS, ROLES, type Role } from '../../../src-shared/contract/roles';
import type { EscalationTarget } from '../../../src-shared/domain/escalation';
import { MAX_STEPS } from '../../../src-shared/domain/escalation';
import { SEVERITIES, type Severity } from '../../../src-shared/domain/incident-lifecycle';
import { call } from '../../bridge/client';
import { useIncidents } from '../../stores/incidents-store';
import { cumulative } from './labels';
import { Field, fieldError, FormDialog, FormMessage, SeverityBadge, useSubmit } from './parts';

/** Inputs hold what was typed; numbers are read when saving, so a half-typed value is never lost. */
interface StepDraft {
  wait: string;
  target: string;
}

const targetKey = (t: EscalationTarget): string => (t.kind === 'role' ? `role:${t.role}` : t.kind === 'on_call' ? 'on_call:' : `operator:${t.operatorId}`);
function targetOf(key: string): EscalationTarget {
  const [kind, value] = key.split(':') as [string, string];
  if (kind === 'on_call') return { kind: 'on_call' };
  return kind === 'role' ? { kind: 'role', role: value as Role } : { kind: 'operator', operatorId: value };
}
/** "" and words are not numbers: say so here rather than send them. */
const minutes = (s: string): number | null => (s.trim() === '' || !Number.isFinite(Number(s)) ? null : Number(s));

/** Create or change an escalation policy (admins). The server's complaints land on the field they name. */
export function PolicyEditor({ policy, onClose, onDone }: { policy: EscalationPolicyView | null; onClose: () => void; onDone: (p: EscalationPolicyView) => void }) {
  const members = useIncidents((s) => s.members);
  const [name, setName] = useState(policy?.name ?? '');
  const [severities, setSeverities] = useState<Severity[]>(policy?.severities ?? []);
  const [steps, setSteps] = useState<StepDraft[]>(
    policy?.steps.map((s) => ({ wait: String(s.waitMinutes), target: targetKey(s.target) })) ?? [{ wait: '0', target: 'role:incident_commander' }],
  );
  const [repeat, setRepeat] = useState(String(policy?.repeat ?? 0));
  const [ackTimeout, setAckTimeout] = useState(policy?.ackTimeoutMinutes === null ? '' : String(policy?.ackTimeoutMinutes ?? 30));
  const [holdsUntilResolved, setHoldsUntilResolved] = useState(policy?.ackTimeoutMinutes === null);
  const { problem, setProblem, busy, run } = useSubmit();
  const errors = problem?.fields ?? {};

  const setStep = (i: number, next: Partial<StepDraft>) => setSteps(steps.map((s, j) => (j === i ? { ...s, ...next } : s)));
  const moveStep = (i: number, by: -1 | 1) => {
    const next = [...steps];
    const [s] = next.splice(i, 1);
    next.splice(i + by, 0, s!);
    setSteps(next);
  };

  const submit = () => {
    const local: Record<string, string> = {};
    steps.forEach((s, i) => {
      if (minutes(s.wait) === null) local[`steps.${i}.waitMinutes`] = 'Give a number of minutes.';
    });
    if (minutes(repeat) === null) local.repeat = 'Give a number (0 for once).';
    if (!holdsUntilResolved && minutes(ackTimeout) === null) local.ackTimeoutMinutes = 'Give a number of minutes, or choose “until resolved”.';
    if (Object.keys(local).length > 0) return setProblem({ code: 'VALIDATION', message: 'Check the fields marked.', fields: local });
    void run(async () => {
      const r = await call('escalation.save', {
        ...(policy ? { id: policy.id, expectedVersion: policy.version } : {}),
        name,
        severities,
        steps: steps.map((s) => ({ waitMinutes: minutes(s.wait)!, target: targetOf(s.target) })),
        repeat: minutes(repeat)!,
        ackTimeoutMinutes: holdsUntilResolved ? null : minutes(ackTimeout)!,
      });
      onDone(r.policy);
    });
  };

  const at = cumulative(steps.map((s) => ({ waitMinutes: minutes(s.wait) ?? 0 })));
  return (
    <FormDialog
      title={policy ? `Escalation policy: ${policy.name}` : 'New escalation policy'}
      onClose={onClose}
      onSubmit={submit}
      hint="save"
      busy={busy}
      testId="save-escalation-policy"
      submitLabel={busy ? 'Saving…' : policy ? 'Save changes' : 'Create policy'}
    >
      <div data-wide />
      <Field label="Name" error={errors.name}>
        <input autoFocus name="name" value={name} maxLength={120} onChange={(e) => setName(e.target.value)} placeholder="e.g. EU corridor on-call" />
      </Field>
      <div className={`field ${fieldError(errors, 'severities') ? 'invalid' : ''}`}>
        <span>New incidents of these severities get this policy (none: only when chosen on an incident)</span>
        <div className="inline-checks">
          {SEVERITIES.map((s) => (
            <label key={s} className="inline-check">
              <input
                type="checkbox"
                checked={severities.includes(s)}
                onChange={(e) => setSeverities(e.target.checked ? SEVERITIES.filter((x) => x === s || severities.includes(x)) : severities.filter((x) => x !== s))}
              />
              <SeverityBadge severity={s} />
            </label>
          ))}
        </div>
        {fieldError(errors, 'severities') && <span className="err">{fieldError(errors, 'severities')}</span>}
      </div>

      <div className={`field ${errors.steps ? 'invalid' : ''}`}>
        <span>Steps, in order (each waits after the one before)</span>
        <ol className="policy-editor-steps">
          {steps.map((s, i) => {
            const waitError = fieldError(errors, `steps.${i}.waitMinutes`);
            const targetError = fieldError(errors, `steps.${i}.target`);
            return (
              <li key={i} data-testid={`policy-step-${i}`}>
                <div className="step-row">
                  <span className="faint">wait</span>
                  <input
                    className={waitError ? 'invalid' : ''}
                    type="number"
                    min={0}
                    step={1}
                    value={s.wait}
                    onChange={(e) => setStep(i, { wait: e.target.value })}
                    aria-label={`Step ${i + 1}: minutes to wait`}
                    aria-invalid={waitError ? true : undefined}
                    data-testid={`step-wait-${i}`}
                  />
                  <span className="faint">min, then notify</span>
                  <select value={s.target} onChange={(e) => setStep(i, { target: e.target.value })} aria-label={`Step ${i + 1}: who`} className={targetError ? 'invalid' : ''}>
                    <option value="on_call:">the incident commander on call</option>
                    <optgroup label="Everyone with the role">
                      {ROLES.map((r) => (
                        <option key={r} value={`role:${r}`}>
                          every {ROLE_LABELS[r].toLowerCase()}
                        </option>
                      ))}
                    </optgroup>
                    <optgroup label="One person">
                      {members.map((m) => (
                        <option key={m.id} value={`operator:${m.id}`}>
                          {m.name} ({ROLE_LABELS[m.role]})
                        </option>
                      ))}
                      {s.target.startsWith('operator:') && !members.some((m) => `operator:${m.id}` === s.target) && <option value={s.target}>a former member</option>}
                    </optgroup>
                  </select>
                  <span className="faint small">at {at[i]?.at ?? 0} min</span>
                  <span className="step-tools">
                    <button className="btn ghost small" disabled={i === 0} onClick={() => moveStep(i, -1)} aria-label={`Move step ${i + 1} up`}>
                      ↑
                    </button>
                    <button className="btn ghost small" disabled={i === steps.length - 1} onClick={() => moveStep(i, 1)} aria-label={`Move step ${i + 1} down`}>
                      ↓
                    </button>
                    <button className="btn ghost small" disabled={steps.length === 1} onClick={() => setSteps(steps.filter((_, j) => j !== i))} aria-label={`Remove step ${i + 1}`}>
                      ✕
                    </button>
                  </span>
                </div>
                {waitError && (
                  <div className="err" data-testid={`step-wait-error-${i}`}>
                    {waitError}
                  </div>
                )}
                {targetError && <div className="err">{targetError}</div>}
              </li>
            );
          })}
        </ol>
        <div>
          <button className="btn small" disabled={steps.length >= MAX_STEPS} onClick={() => setSteps([...steps, { wait: '5', target: 'role:admin' }])}>
            Add step
          </button>
        </div>
        {errors.steps && <span className="err">{errors.steps}</span>}
      </div>

      <div className="fields-row">
        <Field label="Then repeat the whole chain (times)" error={errors.repeat}>
          <input type="number" min={0} max={10} name="repeat" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </Field>
        <div className={`field ${errors.ackTimeoutMinutes ? 'invalid' : ''}`}>
          <span>An acknowledgement holds for (minutes)</span>
          <input
            type="number"
            min={1}
            name="ackTimeoutMinutes"
            aria-label="An acknowledgement holds for (minutes)"
            value={ackTimeout}
            disabled={holdsUntilResolved}
            onChange={(e) => setAckTimeout(e.target.value)}
          />
          <label className="inline-check">
            <input type="checkbox" checked={holdsUntilResolved} onChange={(e) => setHoldsUntilResolved(e.target.checked)} /> until resolved (no timeout)
          </label>
          {errors.ackTimeoutMinutes && <span className="err">{errors.ackTimeoutMinutes}</span>}
        </div>
      </div>
      <FormMessage problem={problem} shownFields={['name', 'severities', 'steps', 'repeat', 'ackTimeoutMinutes']} />
    </FormDialog>
  );
}
