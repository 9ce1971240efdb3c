import { useEffect, useMemo, useState } from 'react';
import type { AlertInstance } from '../../../src-shared/contract/alerts';
import type { IncidentDetail, IncidentSummary } from '../../../src-shared/contract/incidents';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import { canCommand, SEVERITIES, SEVERITY_LABELS, type Severity } from '../../../src-shared/domain/incident-lifecycle';
import { call, errorText, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { ReasonDialog } from '../../components/ReasonDialog';
import { Time } from '../../components/Time';
import { useIncidents } from '../../stores/incidents-store';
import { useUi } from '../../stores/ui-store';
import { AffectedPicker, type Picked } from './AffectedPicker';
import { AlertStatePill, Field, FormDialog, FormMessage, SeverityBadge, useCommand } from './parts';
import { LengthHint } from '../../components/LengthHint';

type Done = () => void;

/** After a command made in a ReasonDialog (which shows refusals itself). */
const refreshed = () => void useIncidents.getState().refresh();

export function SeverityDialog({ incident, onClose }: { incident: IncidentSummary; onClose: Done }) {
  const toast = useUi((s) => s.toast);
  const [severity, setSeverity] = useState<Severity>(SEVERITIES.find((s) => s !== incident.severity) ?? 'critical');
  return (
    <ReasonDialog
      title={`${incident.ref}: change severity`}
      confirmLabel={`Make it ${SEVERITY_LABELS[severity].toLowerCase()}`}
      placeholder="e.g. a second corridor is affected; customers report errors"
      onClose={onClose}
      onSubmit={async (reason) => {
        await call('incidents.setSeverity', { incidentId: incident.id, severity, reason });
        toast('ok', `${incident.ref} is ${SEVERITY_LABELS[severity].toLowerCase()} now.`);
        refreshed();
      }}
    >
      <div className="choices sev-choices" role="radiogroup" aria-label="Severity">
        {SEVERITIES.map((s) => (
          <label key={s}>
            <input type="radio" name="severity" value={s} checked={severity === s} disabled={s === incident.severity} onChange={() => setSeverity(s)} />
            <SeverityBadge severity={s} />
            {s === incident.severity && <span className="faint">(now)</span>}
          </label>
        ))}
      </div>
    </ReasonDialog>
  );
}

export function TakeOverDialog({ incident, onClose }: { incident: IncidentSummary; onClose: Done }) {
  const toast = useUi((s) => s.toast);
  return (
    <ReasonDialog
      title={`${incident.ref}: take over command from ${incident.commander?.name ?? 'nobody'}`}
      confirmLabel="Take over"
      placeholder="e.g. Leila is off shift; taking over as duty admin"
      onClose={onClose}
      onSubmit={async (reason) => {
        await call('incidents.takeCommand', { incidentId: incident.id, reason });
        toast('ok', `You command ${incident.ref} now.`);
        refreshed();
      }}
    >
      <p>An admin’s override: it is recorded as taking command from {incident.commander?.name ?? 'the current commander'}, with your reason.</p>
    </ReasonDialog>
  );
}

export function HandOverDialog({ incident, onClose }: { incident: IncidentSummary; onClose: Done }) {
  const members = useIncidents((s) => s.members);
  const eligible = members.filter((m) => canCommand(m.role) && m.id !== incident.commander?.id);
  const [to, setTo] = useState(eligible[0]?.id ?? '');
  const [note, setNote] = useState('');
  const { problem, busy, run } = useCommand(onClose);
  const submit = () =>
    run(async () => {
      await call('incidents.handOver', { incidentId: incident.id, toOperatorId: to, ...(note.trim() ? { note: note.trim() } : {}) });
      return `${members.find((m) => m.id === to)?.name ?? 'The new commander'} commands ${incident.ref} now.`;
    });
  return (
    <FormDialog
      title={`${incident.ref}: hand over command`}
      onClose={onClose}
      onSubmit={submit}
      hint="hand over"
      busy={busy}
      disabled={!to}
      testId="handover-submit"
      submitLabel="Hand over"
    >
      <Field label="To (incident commanders and admins)" error={problem?.fields.toOperatorId}>
        <select autoFocus value={to} onChange={(e) => setTo(e.target.value)} name="toOperatorId">
          {eligible.length === 0 && <option value="">Nobody else can command</option>}
          {eligible.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} ({ROLE_LABELS[m.role]})
            </option>
          ))}
        </select>
      </Field>
      <Field label="Handover note (optional, on the timeline)" error={problem?.fields.note}>
        <textarea value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} placeholder="Where things stand, what is next" />
        <LengthHint value={note} max={2000} />
      </Field>
      <FormMessage problem={problem} shownFields={['toOperatorId', 'note']} />
    </FormDialog>
  );
}

export function MergeDialog({ incident, onClose }: { incident: IncidentSummary; onClose: Done }) {
  const toast = useUi((s) => s.toast);
  const [targets, setTargets] = useState<IncidentSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [into, setInto] = useState('');
  useEffect(() => {
    call('incidents.list', { filter: 'open', limit: 500 })
      .then((r) => setTargets(r.incidents.filter((i) => i.id !== incident.id)))
      .catch((err: unknown) => setLoadError(errorText(err)));
  }, [incident.id]);
  const target = targets?.find((t) => t.id === into);
  return (
    <ReasonDialog
      title={`Merge ${incident.ref} into another incident`}
      confirmLabel={target ? `Merge into ${target.ref}` : 'Merge'}
      placeholder="e.g. same router fault as the one already being handled"
      onClose={onClose}
      onSubmit={async (reason) => {
        if (!target) throw new McClientError({ code: 'VALIDATION', message: 'Choose the open incident it duplicates.' });
        await call('incidents.merge', { incidentId: incident.id, intoId: target.id, reason });
        toast('ok', `${incident.ref} merged into ${target.ref}.`);
        refreshed();
      }}
    >
      <p className="dim">{incident.ref} ends as merged; its timeline stays. What it affects and its alerts move to the one it joins.</p>
      <Field label="Into (open incidents)" error={loadError ?? undefined}>
        <select value={into} onChange={(e) => setInto(e.target.value)} name="intoId" data-testid="merge-into">
          {targets === null && <option value="">Loading…</option>}
          {targets?.length === 0 && <option value="">No other open incident</option>}
          {/* No default: merging into the wrong incident is hard to undo. */}
          {targets && targets.length > 0 && <option value="">Choose the incident it duplicates…</option>}
          {targets?.map((t) => (
            <option key={t.id} value={t.id}>
              {t.ref} · {SEVERITY_LABELS[t.severity]} · {t.title}
            </option>
          ))}
        </select>
      </Field>
    </ReasonDialog>
  );
}

export function AffectedDialog({ detail, onClose }: { detail: IncidentDetail; onClose: Done }) {
  const [add, setAdd] = useState<Picked[]>([]);
  const { problem, busy, run } = useCommand(onClose);
  const exclude = useMemo(() => new Set(detail.affected.map((a) => `${a.kind}:${a.id}`)), [detail.affected]);
  const submit = () =>
    run(async () => {
      await call('incidents.setAffected', { incidentId: detail.incident.id, add: add.map(({ kind, id }) => ({ kind, id })) });
      return `${add.length} added to what ${detail.incident.ref} affects.`;
    });
  return (
    <FormDialog
      title={`${detail.incident.ref}: add affected corridors, sites and nodes`}
      onClose={onClose}
      onSubmit={submit}
      hint="add"
      busy={busy}
      disabled={add.length === 0}
      testId="affected-submit"
      submitLabel={`Add ${add.length || ''}`}
    >
      <AffectedPicker value={add} onChange={setAdd} exclude={exclude} error={problem?.fields.add} />
      <FormMessage problem={problem} shownFields={['add']} />
    </FormDialog>
  );
}

const ALERT_ORDER: Record<string, number> = { firing: 0, pending: 1, resolved: 2, inactive: 3 };

export function LinkAlertDialog({ detail, onClose }: { detail: IncidentDetail; onClose: Done }) {
  const [instances, setInstances] = useState<AlertInstance[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { problem, busy, run } = useCommand(onClose);
  useEffect(() => {
    call('alerts.list', {})
      .then((r) => setInstances([...r.instances].sort((a, b) => (ALERT_ORDER[a.state] ?? 9) - (ALERT_ORDER[b.state] ?? 9))))
      .catch((err: unknown) => setLoadError(errorText(err)));
  }, []);
  const linked = new Set(detail.alerts.map((a) => `${a.ruleId}|${a.subjectKey}`));
  const candidates = (instances ?? []).filter((a) => !linked.has(`${a.ruleId}|${a.subjectKey}`));
  const link = (a: AlertInstance) =>
    run(async () => {
      await call('incidents.linkAlert', { incidentId: detail.incident.id, ruleId: a.ruleId, subjectKey: a.subjectKey });
      return `${a.ruleName} (${a.subjectName}) linked to ${detail.incident.ref}.`;
    });
  return (
    <Dialog
      title={`${detail.incident.ref}: link an alert`}
      onClose={onClose}
      footer={
        <button className="btn" onClick={onClose}>
          Close
        </button>
      }
    >
      <p className="dim">Alerts that are pending, firing or recently resolved. A linked alert’s subject becomes affected too, and its changes appear on the timeline.</p>
      {loadError && <div className="err">{loadError}</div>}
      {instances === null && !loadError && <div className="dim">Loading…</div>}
      {instances && candidates.length === 0 && <div className="dim">No alert to link: none is pending, firing or recently resolved{instances.length > 0 ? ' that is not linked here already' : ''}.</div>}
      {candidates.length > 0 && (
        <ul className="inc-pick-list" data-wide>
          {candidates.map((a) => (
            <li key={`${a.ruleId}|${a.subjectKey}`}>
              <AlertStatePill state={a.state} />
              <span>
                {a.ruleName} <span className="dim">· {a.subjectName}</span>
                {a.lastValueText && <span className="faint"> · {a.lastValueText}</span>}
                {a.firingSince && (
                  <span className="faint">
                    {' '}
                    · firing since <Time iso={a.firingSince} />
                  </span>
                )}
                {a.incident && <span className="faint"> · on {a.incident.ref}</span>}
              </span>
              <button className="btn small" aria-busy={busy} onClick={() => void link(a)}>
                Link
              </button>
            </li>
          ))}
        </ul>
      )}
      <FormMessage problem={problem} shownFields={[]} />
    </Dialog>
  );
}
