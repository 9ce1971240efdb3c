import { useEffect, useRef, useState } from 'react';
import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { call } from '../../bridge/client';
import { Time } from '../../components/Time';
import { useSystem } from '../../stores/system-store';
import { Field, FormDialog, useCommand } from './parts';
import { LengthHint } from '../../components/LengthHint';

/**
 * Acknowledge: "I own the response", which stops escalation. Someone may have been quicker; then
 * the server says who and when, the note stays in the box, and it can go in as a note instead.
 * `incident` is the live summary, so the dialog notices an acknowledgement made while it is open.
 */
export function AckDialog({ incident, onClose }: { incident: IncidentSummary; onClose: () => void }) {
  const me = useSystem((s) => s.info?.session?.operatorId ?? null);
  const [note, setNote] = useState('');
  // Acknowledge and start working it in one step (triage → active), when the operator wants to.
  const [start, setStart] = useState(false);
  const canStart = incident.state === 'triage';
  const { problem, busy, run } = useCommand(onClose);
  const refused = problem?.code === 'CONFLICT';

  const acknowledge = () =>
    run(async () => {
      await call('incidents.acknowledge', { incidentId: incident.id, ...(note.trim() ? { note: note.trim() } : {}), ...(canStart && start ? { startResponse: true } : {}) });
      return `${incident.ref} acknowledged${canStart && start ? ' and active' : ''}: you own the response, and escalation stopped.`;
    });
  const addAsNote = () =>
    run(async () => {
      await call('incidents.addNote', { incidentId: incident.id, body: note.trim() });
      return `Your note is on ${incident.ref}’s timeline.`;
    });
  const meanwhile = !refused && incident.acknowledged;
  const primary = () => {
    if (!refused) void acknowledge();
    else if (note.trim()) void addAsNote();
  };
  // The footer's buttons change on a refusal; the keyboard stays in the dialog, on the note.
  const noteRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (refused) noteRef.current?.focus();
  }, [refused]);

  return (
    <FormDialog
      title={`Acknowledge ${incident.ref}`}
      onClose={onClose}
      onSubmit={primary}
      hint={refused ? 'add as note' : 'acknowledge'}
      busy={busy}
      cancelLabel={refused ? 'Close' : 'Cancel'}
      disabled={refused && !note.trim()}
      testId={refused ? 'ack-add-note' : 'ack-submit'}
      submitLabel={refused ? 'Add as note' : busy ? 'Acknowledging…' : 'Acknowledge'}
    >
      <p className="dim">
        {incident.title}. Acknowledging says you own the response: escalation stops, and everyone sees your name.
      </p>
      {meanwhile && (
        <p className="inc-warn" role="status">
          {meanwhile.by.id === me ? 'You' : meanwhile.by.name} acknowledged it at <Time iso={meanwhile.at} mode="local" /> while this was open.
        </p>
      )}
      <Field label="Note (optional, goes on the timeline)" error={problem?.fields.note}>
        <textarea ref={noteRef} autoFocus value={note} onChange={(e) => setNote(e.target.value)} placeholder="e.g. On it from the NOC; checking FRA routers first" maxLength={10000} data-testid="ack-note" />
        <LengthHint value={note} max={10000} />
      </Field>
      {canStart && !refused && (
        <label className="check">
          <input type="checkbox" checked={start} onChange={(e) => setStart(e.target.checked)} data-testid="ack-start" />
          Start the response now (Triage → Active)
        </label>
      )}
      {problem && !problem.fields.note && (
        <div className="err" role="alert" data-testid="ack-message">
          {problem.message}
        </div>
      )}
    </FormDialog>
  );
}
