import { useState } from 'react';
import type { TimelineEntry } from '../../../src-shared/contract/incidents';
import { call } from '../../bridge/client';
import { LengthHint } from '../../components/LengthHint';
import { Time } from '../../components/Time';
import { useIncidents } from '../../stores/incidents-store';
import { useUi } from '../../stores/ui-store';
import { entryDetail, entryLink, KIND_LABELS } from './labels';
import { onCtrlEnter, useSubmit } from './parts';

/**
 * Every entry of the incident's record, oldest first: what happened, who (or which part of the app)
 * did it, when (local; UTC on hover), what was written, and the audit event that proves it.
 */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol className="timeline inc-timeline" data-testid="timeline">
      {entries.map((e) => {
        const detail = entryDetail(e);
        const link = entryLink(e);
        return (
          <li key={e.id} className={`tl-${e.kind}`} data-testid="timeline-entry" data-kind={e.kind}>
            <div className="tl-head">
              <span className="tl-kind">{KIND_LABELS[e.kind]}</span>
              {detail && <span className="tl-detail">{detail}</span>}
              {link && (
<a href={`#/incidents/${link.id}`}>{link.ref}</a>
              )}
              <span className="tl-meta">
                <span className="tl-actor" data-testid="timeline-actor">
                  {e.actor.name}
                  {e.actor.id === null && <span className="faint"> (automatic)</span>}
                </span>
                {' · '}
                <Time iso={e.at} mode="local" />
                {' · '}
                <a href={`#/audit?seq=${e.auditSeq}`} title="The audit event that records this entry">
                  audit #{e.auditSeq}
                </a>
              </span>
            </div>
            {e.body && <div className="tl-body">{e.body}</div>}
          </li>
        );
      })}
    </ol>
  );
}

/** As the contract allows (incidents.addNote). */
const NOTE_MAX = 10000;

/** A note on the timeline. The text stays in the box until the server has it. */
export function NoteComposer({ incidentId }: { incidentId: string }) {
  const toast = useUi((s) => s.toast);
  const [body, setBody] = useState('');
  const { problem, setProblem, busy, run } = useSubmit();
  const error = problem ? (problem.fields.body ?? problem.message) : null;
  const submit = () => {
    if (!body.trim()) return setProblem({ code: 'VALIDATION', message: 'Write the note first.', fields: {} });
    void run(
      async () => {
        await call('incidents.addNote', { incidentId, body: body.trim() });
        setBody('');
        toast('ok', 'Note added to the timeline.');
      },
      () => void useIncidents.getState().loadDetail(),
    );
  };
  return (
    <div className={`field note-composer ${error ? 'invalid' : ''}`} onKeyDown={onCtrlEnter(submit)}>
      <textarea
        value={body}
        aria-label="Note for the timeline"
        placeholder="Add a note to the timeline: what you see, what you did, what is next"
        maxLength={NOTE_MAX}
        onChange={(e) => {
          setBody(e.target.value);
          setProblem(null);
        }}
        data-testid="note-body"
      />
      {error && <span className="err">{error}</span>}
      <LengthHint value={body} max={NOTE_MAX} />
      <div className="row-actions">
        <span className="faint small">
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd> add
        </span>
        <button className="btn small" aria-busy={busy} onClick={submit} data-testid="add-note">
          {busy ? 'Adding…' : 'Add note'}
        </button>
      </div>
    </div>
  );
}
