import { Fragment, useEffect, useState } from 'react';
import type { IncidentDetail, IncidentReview } from '../../../src-shared/contract/incidents';
import { isOpen } from '../../../src-shared/domain/incident-lifecycle';
import { call } from '../../bridge/client';
import { Time } from '../../components/Time';
import { useIncidents } from '../../stores/incidents-store';
import { useUi } from '../../stores/ui-store';
import { Field, fieldError, FormMessage, onCtrlEnter, useSubmit } from './parts';
import { LengthHint } from '../../components/LengthHint';

interface Action {
  text: string;
  owner: string;
  due: string | null;
  done: boolean;
}
interface Draft {
  summary: string;
  impact: string;
  timeline: string;
  causes: string;
  actions: Action[];
}
const TEXTS: { key: 'summary' | 'impact' | 'timeline' | 'causes'; label: string; placeholder: string }[] = [
  { key: 'summary', label: 'Summary', placeholder: 'What happened, in two or three sentences' },
  { key: 'impact', label: 'Impact', placeholder: 'Who and what was affected, for how long, how badly' },
  { key: 'timeline', label: 'Timeline', placeholder: 'Detection, response, mitigation, resolution (UTC times)' },
  { key: 'causes', label: 'Causes', placeholder: 'Root cause and contributing factors' },
];

const draftOf = (r: IncidentReview | null): Draft =>
  r ? { summary: r.summary, impact: r.impact, timeline: r.timeline, causes: r.causes, actions: r.actions.map((a) => ({ ...a })) } : { summary: '', impact: '', timeline: '', causes: '', actions: [] };

/**
 * The post-incident review, saved whole with the version it started from. If someone saved in
 * between, the save is refused: this editor keeps its text, shows theirs next to it, and lets the
 * writer merge and then save over theirs knowingly.
 */
export function ReviewEditor({ detail, write }: { detail: IncidentDetail; write: boolean }) {
  const toast = useUi((s) => s.toast);
  const members = useIncidents((s) => s.members);
  const server = detail.review;
  const [draft, setDraft] = useState<Draft>(() => draftOf(server));
  const [base, setBase] = useState<number | null>(server?.version ?? null);
  const [dirty, setDirty] = useState(false);
  const { problem, setProblem, busy, run } = useSubmit();
  const [open, setOpen] = useState(server !== null || !isOpen(detail.incident.state));
  const errors = problem?.fields ?? {};
  const serverVersion = server?.version ?? null;
  const theirsIsNewer = serverVersion !== base;

  // Someone else's save while nothing is typed here: show it. With unsaved text here, never overwrite it.
  useEffect(() => {
    if (!dirty && theirsIsNewer) {
      setDraft(draftOf(server));
      setBase(serverVersion);
    }
  }, [serverVersion, dirty]);

  const edit = (next: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...next }));
    setDirty(true);
  };
  const editAction = (i: number, next: Partial<Action>) => edit({ actions: draft.actions.map((a, j) => (j === i ? { ...a, ...next } : a)) });

  const save = () =>
    void run(
      async () => {
        const r = await call('incidents.saveReview', { incidentId: detail.incident.id, ...draft, expectedVersion: base });
        setBase(r.review.version);
        setDraft(draftOf(r.review));
        setDirty(false);
        toast('ok', `Review saved (version ${r.review.version}).`);
      },
      () => void useIncidents.getState().loadDetail(),
    );
  const takeTheirs = () => {
    setDraft(draftOf(server));
    setBase(serverVersion);
    setDirty(false);
    setProblem(null);
  };

  const status = server ? (
    <span className="faint small" data-testid="review-status">
      version {server.version} · {server.updatedBy?.name ?? 'unknown'} · <Time iso={server.updatedAt} />
    </span>
  ) : (
    <span className="faint small">not started</span>
  );

  if (!write) {
    return (
      <section className="panel" data-testid="review">
        <header>Post-incident review {status}</header>
        <div className="body">{server ? <ReviewText review={server} /> : <span className="dim">Nobody has written the review yet.</span>}</div>
      </section>
    );
  }
  return (
    <section className="panel" data-testid="review" onKeyDown={onCtrlEnter(save)}>
      <header>
        Post-incident review {status}
        <div className="actions">
          {open && dirty && <span className="pill warn">unsaved</span>}
          {open ? (
            <button className="btn small primary" disabled={!dirty} aria-busy={busy} onClick={save} title="Save (Ctrl+Enter)" data-testid="review-save">
              {busy ? 'Saving…' : 'Save review'}
            </button>
          ) : (
            <button className="btn small" onClick={() => setOpen(true)} data-testid="review-open">
              Write the review
            </button>
          )}
        </div>
      </header>
      {open && (
        <div className="body review-body">
          {problem?.code === 'CONFLICT' && server && (
            <div className="inc-warn" role="alert" data-testid="review-conflict">
              <div>{problem.message}</div>
              <div>Your text is still in the editor. Theirs (version {server.version}) is below: merge what matters into yours, then save over theirs, or take theirs.</div>
              <div className="row-actions">
                <button
                  className="btn small"
                  onClick={() => {
                    setBase(serverVersion);
                    setProblem(null);
                  }}
                  data-testid="review-overwrite"
                >
                  Keep mine, save over version {server.version} next
                </button>
                <button className="btn small danger" onClick={takeTheirs}>
                  Discard mine, take theirs
                </button>
              </div>
              <div className="inc-quote">
                <ReviewText review={server} />
              </div>
            </div>
          )}
          {!problem && dirty && theirsIsNewer && server && (
            <div className="inc-warn" role="status">
              {server.updatedBy?.name ?? 'Someone'} saved version {server.version} while you were editing: saving now will be refused, and your text kept.
            </div>
          )}
          <div className="review-texts">
            {TEXTS.map((t) => (
              <Field key={t.key} label={t.label} error={errors[t.key]}>
                <textarea name={t.key} value={draft[t.key]} placeholder={t.placeholder} maxLength={20000} onChange={(e) => edit({ [t.key]: e.target.value })} data-testid={`review-${t.key}`} />
                <LengthHint value={draft[t.key]} max={20000} />
              </Field>
            ))}
          </div>
          <div className="field">
            <span>Actions</span>
            <table className="grid review-actions">
              <thead>
                <tr>
                  <th>To do</th>
                  <th>Owner</th>
                  <th>Due</th>
                  <th>Done</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {draft.actions.map((a, i) => (
                  <tr key={i} data-testid="review-action">
                    <td className={fieldError(errors, `actions.${i}.text`) ? 'invalid' : ''}>
                      <input value={a.text} aria-label={`Action ${i + 1}`} maxLength={500} onChange={(e) => editAction(i, { text: e.target.value })} />
                      {fieldError(errors, `actions.${i}.text`) && <div className="err">{fieldError(errors, `actions.${i}.text`)}</div>}
                    </td>
                    <td>
                      <input value={a.owner} aria-label={`Owner of action ${i + 1}`} list="review-owners" maxLength={200} onChange={(e) => editAction(i, { owner: e.target.value })} />
                    </td>
                    <td className={fieldError(errors, `actions.${i}.due`) ? 'invalid' : ''}>
                      <input type="date" value={a.due ?? ''} aria-label={`Due date of action ${i + 1}`} onChange={(e) => editAction(i, { due: e.target.value || null })} />
                      {fieldError(errors, `actions.${i}.due`) && <div className="err">{fieldError(errors, `actions.${i}.due`)}</div>}
                    </td>
                    <td>
                      <input type="checkbox" checked={a.done} aria-label={`Action ${i + 1} done`} onChange={(e) => editAction(i, { done: e.target.checked })} />
                    </td>
                    <td>
                      <button className="btn ghost small" aria-label={`Remove action ${i + 1}`} onClick={() => edit({ actions: draft.actions.filter((_, j) => j !== i) })}>
                        ✕
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <datalist id="review-owners">
              {members.map((m) => (
                <option key={m.id} value={m.name} />
              ))}
            </datalist>
            <div>
              <button className="btn small" onClick={() => edit({ actions: [...draft.actions, { text: '', owner: '', due: null, done: false }] })} data-testid="review-add-action">
                Add action
              </button>
            </div>
          </div>
          {problem?.code !== 'CONFLICT' && <FormMessage problem={problem} shownFields={['summary', 'impact', 'timeline', 'causes', 'actions']} />}
        </div>
      )}
    </section>
  );
}

function ReviewText({ review }: { review: IncidentReview }) {
  return (
    <dl className="kv review-text">
      {TEXTS.map((t) => (
        <Fragment key={t.key}>
          <dt>{t.label}</dt>
          <dd className="pre">{review[t.key] || <span className="faint">—</span>}</dd>
        </Fragment>
      ))}
      <dt>Actions</dt>
      <dd>
        {review.actions.length === 0 ? (
          <span className="faint">none</span>
        ) : (
          <ul className="timeline">
            {review.actions.map((a, i) => (
              <li key={i}>
                {a.done ? '☑' : '☐'} {a.text}
                <span className="faint">
                  {a.owner && ` · ${a.owner}`}
                  {a.due && ` · due ${a.due}`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}
