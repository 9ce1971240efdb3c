import { useState } from 'react';
import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { SEVERITIES, type Severity } from '../../../src-shared/domain/incident-lifecycle';
import { call } from '../../bridge/client';
import { AffectedPicker, type Picked } from './AffectedPicker';
import { Field, fieldError, FormDialog, FormMessage, SeverityBadge, useSubmit } from './parts';
import { LengthHint } from '../../components/LengthHint';

const SEVERITY_HINTS: Record<Severity, string> = {
  critical: 'customers down or data at risk',
  high: 'major degradation; blocks new traffic',
  medium: 'partial impact, workaround exists',
  low: 'minor, no customer impact',
};

/** Open an incident (or a failover drill) in triage. What the server refuses is shown by its field. */
export function CreateIncidentDialog({ onClose, onDone }: { onClose: () => void; onDone: (i: IncidentSummary) => void }) {
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<Severity>('high');
  const [summary, setSummary] = useState('');
  const [drill, setDrill] = useState(false);
  const [affected, setAffected] = useState<Picked[]>([]);
  const { problem, busy, run } = useSubmit();
  const errors = problem?.fields ?? {};

  const submit = () =>
    void run(async () => {
      const r = await call('incidents.create', { title, severity, summary, drill, affected: affected.map(({ kind, id }) => ({ kind, id })) });
      onDone(r.incident);
    });

  return (
    <FormDialog
      title="Open an incident"
      onClose={onClose}
      onSubmit={submit}
      hint="open"
      busy={busy}
      testId="create-incident"
      submitLabel={busy ? 'Opening…' : drill ? 'Open drill' : 'Open incident'}
    >
      <Field label="Title" error={errors.title}>
        <input autoFocus name="title" value={title} maxLength={200} placeholder="e.g. P95 latency over 2 s in the EU corridor" onChange={(e) => setTitle(e.target.value)} />
      </Field>
      <div className={`field ${errors.severity ? 'invalid' : ''}`} role="radiogroup" aria-label="Severity">
        <span>Severity</span>
        <div className="choices sev-choices">
          {SEVERITIES.map((s) => (
            <label key={s} title={SEVERITY_HINTS[s]}>
              <input type="radio" name="severity" value={s} checked={severity === s} onChange={() => setSeverity(s)} />
              <SeverityBadge severity={s} />
              <span className="faint small">{SEVERITY_HINTS[s]}</span>
            </label>
          ))}
        </div>
        {errors.severity && <span className="err">{errors.severity}</span>}
      </div>
      <Field label="Summary: what is seen, where, since when" error={errors.summary}>
        <textarea name="summary" value={summary} maxLength={10000} onChange={(e) => setSummary(e.target.value)} />
        <LengthHint value={summary} max={10000} />
      </Field>
      <label className="inline-check">
        <input type="checkbox" name="drill" checked={drill} onChange={(e) => setDrill(e.target.checked)} />
        Failover drill <span className="faint">(escalates and records like an incident; never blocks new traffic)</span>
      </label>
      <div className="field">
        <span>Affected corridors, sites and nodes</span>
        <AffectedPicker value={affected} onChange={setAffected} error={fieldError(errors, 'affected')} />
      </div>
      <FormMessage problem={problem} shownFields={['title', 'severity', 'summary', 'affected']} />
    </FormDialog>
  );
}
