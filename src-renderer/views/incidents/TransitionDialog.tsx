import { useEffect, useRef, useState } from 'react';
import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { canTransitionIncident, INCIDENT_STATE_LABELS, type IncidentState, MIN_RESOLUTION_NOTE } from '../../../src-shared/domain/incident-lifecycle';
import { call } from '../../bridge/client';
import { transitionLabel } from './labels';
import { Field, FormDialog, FormMessage, useCommand } from './parts';
import { LengthHint } from '../../components/LengthHint';

/**
 * One lifecycle move, sent with the state the operator saw. Resolving may carry the resolution
 * note; closing needs one (unless one is on record); declining needs a reason. If someone moved the
 * incident meanwhile the server refuses, the page reloads, and whatever was typed stays here.
 */
export function TransitionDialog({ incident, storedNote, to, onClose }: { incident: IncidentSummary; storedNote: string | null; to: IncidentState; onClose: () => void }) {
  const [expected, setExpected] = useState<IncidentState>(incident.state);
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const { problem, setProblem, busy, run } = useCommand(onClose);
  const errors = problem?.fields ?? {};
  const withNote = to === 'resolved' || to === 'closed';
  // The page reloaded after a refusal and shows a newer state: offer the move from there, if it still exists.
  const movedOn = incident.state !== expected;
  const canRetry = movedOn && canTransitionIncident(incident.state, to);

  // After a refusal the page reloads and may show another state: keep the keyboard on what was typed.
  const textRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (movedOn || problem) textRef.current?.focus();
  }, [movedOn, problem]);

  const submit = () => {
    if (movedOn) return;
    void run(async () => {
      await call('incidents.transition', {
        incidentId: incident.id,
        to,
        expectedState: expected,
        ...(withNote && note.trim() ? { resolutionNote: note.trim() } : {}),
        ...(!withNote && reason.trim() ? { reason: reason.trim() } : {}),
      });
      return `${incident.ref} is ${INCIDENT_STATE_LABELS[to].toLowerCase()} now.`;
    });
  };

  return (
    <FormDialog
      title={`${incident.ref}: ${INCIDENT_STATE_LABELS[expected]} → ${INCIDENT_STATE_LABELS[to]}`}
      onClose={onClose}
      onSubmit={submit}
      hint="apply"
      busy={busy}
      disabled={movedOn}
      danger={to === 'declined'}
      testId="transition-submit"
      submitLabel={busy ? 'Working…' : transitionLabel(expected, to)}
      extra={
        canRetry && (
          <button
            className="btn"
            onClick={() => {
              setExpected(incident.state);
              setProblem(null);
            }}
          >
          Move from {INCIDENT_STATE_LABELS[incident.state].toLowerCase()} instead
        </button>
      )
      }
    >
      {to === 'closed' && <p className="dim">Closing is final: the incident and its record can no longer change state. Say how it ended.</p>}
      {to === 'resolved' && <p className="dim">Resolved: the impact is over. Escalation stops; the incident can still be reopened, and is closed with a resolution note.</p>}
      {withNote && storedNote && (
        <div className="inc-quote">
          <span className="faint">Resolution note on record:</span> {storedNote}
        </div>
      )}
      {withNote && (
        <Field
          label={
            to === 'closed'
              ? storedNote
                ? 'Resolution note (leave empty to keep the one on record)'
                : `Resolution note (required, at least ${MIN_RESOLUTION_NOTE} characters)`
              : `Resolution note (optional now; if you write one, at least ${MIN_RESOLUTION_NOTE} characters; closing needs one)`
          }
          error={errors.resolutionNote}
        >
          <textarea
            ref={textRef}
            autoFocus
            name="resolutionNote"
            value={note}
            maxLength={10000}
            onChange={(e) => setNote(e.target.value)}
            placeholder="How it ended: cause, fix, what was verified"
            data-testid="resolution-note"
          />
          <LengthHint value={note} max={10000} />
        </Field>
      )}
      {!withNote && (
        <Field label={to === 'declined' ? 'Why is this not an incident? (required, on the timeline)' : 'Reason (optional, on the timeline)'} error={errors.reason}>
          <textarea ref={textRef} autoFocus name="reason" value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} data-testid="transition-reason" />
          <LengthHint value={reason} max={2000} />
        </Field>
      )}
      <FormMessage problem={problem} shownFields={['resolutionNote', 'reason']} />
      {movedOn && !problem && (
        <div className="inc-warn" role="status">
          {incident.ref} is {INCIDENT_STATE_LABELS[incident.state].toLowerCase()} now.{' '}
          {canRetry ? 'Check the timeline, then move it from there if it still needs to.' : `It cannot move to ${INCIDENT_STATE_LABELS[to].toLowerCase()} from there.`}
        </div>
      )}
    </FormDialog>
  );
}
