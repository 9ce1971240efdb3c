import { useEffect, useState } from 'react';
import { type ChecklistItem, evidenceRefSchema, type RunSummary } from '../../../src-shared/contract/checklists';
import type { Member } from '../../../src-shared/contract/incidents';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import type { ItemStatus } from '../../../src-shared/domain/checklists';
import { VIEWS } from '../../../src-shared/navigation';
import { McClientError, errorText } from '../../bridge/client';
import { Time } from '../../components/Time';
import { useChecklists } from '../../stores/checklists-store';
import { RecordLink, type RecordRef } from './RecordLink';
import { STATUS_SHAPE, statusLabels } from './words';
import { viewKey } from './keys';

type Answer = NonNullable<ChecklistItem['live']>;
type EvidenceRef = { type: 'evidence' | 'incident' | 'audit' | 'checklist' | 'node' | 'site' | 'corridor'; id: string; label: string };

interface Draft {
  note: string;
  url: string;
  ref: EvidenceRef | null;
  /** The item's version when typing started, to say so if someone else changes it meanwhile. */
  baseVersion: number;
}

interface ItemError {
  field: 'status' | 'note' | 'evidenceUrl' | 'owner' | 'other';
  message: string;
}

const KEYS: Record<string, ItemStatus> = { d: 'done', f: 'failed', x: 'skipped', o: 'open' };
const ACTION_KEY: Record<ItemStatus, string> = { done: 'd', failed: 'f', skipped: 'x', open: 'o' };

/** A check's record that can also stand as an item's evidence (a page of the app cannot). */
function evidenceOf(answer: Answer | null): EvidenceRef | null {
  const parsed = evidenceRefSchema.safeParse(answer?.record ?? null);
  return parsed.success ? parsed.data : null;
}

const sameRef = (a: RecordRef | null, b: RecordRef | null) => !!a && !!b && a.type === b.type && a.id === b.id;

function errorOf(err: unknown): ItemError {
  if (!(err instanceof McClientError)) return { field: 'other', message: errorText(err) };
  if (err.code === 'CONFLICT') return { field: 'status', message: `${err.message} It has been reloaded: check it, then set it again.` };
  for (const field of ['status', 'note', 'evidenceUrl'] as const) {
    if (err.fields[field]) return { field, message: err.fields[field] };
  }
  const first = Object.values(err.fields)[0];
  return { field: 'other', message: first ?? err.message };
}

/**
 * The items of a checklist run or gate set, in order: what to do and where, its status and who set
 * it, the note and evidence, and for items the app checks itself the live answer and the answer
 * recorded when the item was set. Writers set items here (buttons or d/f/x/o on the selected item,
 * j/k to move); the server's refusals are shown at the item, and what was typed is kept.
 */
export function RunItems({ run, items, write, members }: { run: RunSummary; items: ChecklistItem[]; write: { ok: boolean; why: string | null }; members?: Member[] }) {
  const [selected, setSelected] = useState(() => Math.max(0, items.findIndex((i) => i.status === 'open')));
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [errors, setErrors] = useState<Record<string, ItemError>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const labels = statusLabels(run.kind);
  const gates = run.kind === 'gates';

  const fresh = (item: ChecklistItem): Draft => ({ note: '', url: '', ref: null, baseVersion: item.version });
  const draftOf = (item: ChecklistItem): Draft => drafts[item.id] ?? fresh(item);
  const edit = (item: ChecklistItem, patch: Partial<Draft>) => {
    setDrafts((d) => ({ ...d, [item.id]: { ...(d[item.id] ?? fresh(item)), ...patch } }));
    setErrors((e) => {
      const { [item.id]: _, ...rest } = e;
      return rest;
    });
  };
  const forget = <T,>(map: Record<string, T>, id: string) => {
    const { [id]: _, ...rest } = map;
    return rest;
  };

  const act = async (item: ChecklistItem, status: ItemStatus, advance = false) => {
    if (!write.ok || busy || item.status === status) return;
    const d = draftOf(item);
    setBusy(item.id);
    try {
      await useChecklists.getState().setItem({
        itemId: item.id,
        status,
        note: d.note.trim() || null,
        evidenceUrl: d.url.trim() || null,
        evidenceRef: d.ref,
        expectedVersion: item.version,
      });
      setDrafts((m) => forget(m, item.id));
      setErrors((m) => forget(m, item.id));
      if (advance) setSelected((s) => Math.min(s + 1, items.length - 1));
    } catch (err) {
      const e = errorOf(err);
      setErrors((m) => ({ ...m, [item.id]: e }));
      if (e.field === 'note') document.getElementById(`note-${item.id}`)?.focus();
    } finally {
      setBusy(null);
    }
  };

  const setOwner = async (item: ChecklistItem, ownerId: string) => {
    setBusy(item.id);
    try {
      await useChecklists.getState().setOwner(item.id, ownerId || null);
      setErrors((m) => forget(m, item.id));
      // An owner change bumps the item's version; a note being typed is not affected by it.
      setDrafts((d) => (d[item.id] ? { ...d, [item.id]: { ...d[item.id]!, baseVersion: item.version + 1 } } : d));
    } catch (err) {
      setErrors((m) => ({ ...m, [item.id]: { field: 'owner', message: errorText(err) } }));
    } finally {
      setBusy(null);
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e) || items.length === 0) return;
      if (e.key === 'j' || e.key === 'ArrowDown') {
        e.preventDefault();
        setSelected((s) => Math.min(s + 1, items.length - 1));
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        e.preventDefault();
        setSelected((s) => Math.max(s - 1, 0));
      } else if (KEYS[e.key]) {
        const item = items[Math.min(selected, items.length - 1)];
        if (!item) return;
        e.preventDefault();
        void act(item, KEYS[e.key]!, true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  useEffect(() => {
    document.querySelector(`[data-item-index="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  return (
    <ol className="cl-items" data-testid="run-items" data-kind={run.kind}>
      {items.map((item, index) => {
        const isSelected = index === Math.min(selected, items.length - 1);
        const draft = draftOf(item);
        const error = errors[item.id] ?? null;
        const liveRef = evidenceOf(item.live);
        const showForm = write.ok && (isSelected || !!drafts[item.id] || !!error);
        const view = VIEWS.find((v) => v.id === item.view);
        return (
          <li
            key={item.id}
            className={`cl-item s-${item.status}`}
            data-testid={`item-${item.key}`}
            data-status={item.status}
            data-item-index={index}
            aria-selected={isSelected}
            aria-busy={busy === item.id}
            onClick={() => setSelected(index)}
          >
            <div className="cl-item-status">
              <span className={`badge cl-st s-${item.status}`} data-testid="item-badge">
                <span className={`dot ${STATUS_SHAPE[item.status]}`} aria-hidden="true" />
                {labels[item.status]}
              </span>
              {item.setBy && item.setAt && (
                <div className="faint cl-who" data-testid="item-set-by">
                  {item.status === 'open' ? 'reopened by ' : 'by '}
                  {item.setBy.name}, <Time iso={item.setAt} />
                </div>
              )}
            </div>

            <div className="cl-item-main">
              <div className="cl-item-text">
                <span className="faint cl-num">{index + 1}.</span> {item.text}
                {view && (
                  <a className="cl-view" href={`#/${view.id}`} onClick={(e) => e.stopPropagation()}>
                    {view.label} →
                  </a>
                )}
              </div>

              {(item.note || item.evidenceUrl || item.evidenceRef) && (
                <div className="cl-item-notes">
                  {item.note && (
                    <div data-testid="item-note">
                      <span className="faint">Note:</span> {item.note}
                    </div>
                  )}
                  {(item.evidenceUrl || item.evidenceRef) && (
                    <div data-testid="item-evidence">
                      <span className="faint">Evidence:</span>{' '}
                      {item.evidenceUrl && (
                        <a href={item.evidenceUrl} target="_blank" rel="noopener noreferrer" className="mono">
                          {item.evidenceUrl}
                        </a>
                      )}
                      {item.evidenceUrl && item.evidenceRef && ' · '}
                      {item.evidenceRef && <RecordLink record={item.evidenceRef} />}
                    </div>
                  )}
                </div>
              )}

              {item.live && <CheckLine answer={item.live} label="Live check" testId="live" />}
              {item.recordedAnswer && <CheckLine answer={item.recordedAnswer} label={gates ? 'Recorded when passed' : 'Recorded when marked done'} testId="recorded" />}

              {showForm && (
                <div className="cl-form" onClick={(e) => e.stopPropagation()}>
                  {error && error.field !== 'note' && error.field !== 'evidenceUrl' && (
                    <div className="cl-refusal" role="alert" data-testid="item-error">
                      {error.message}
                    </div>
                  )}
                  {drafts[item.id] && draft.baseVersion !== item.version && !error && (
                    <div className="cl-refusal warn" role="status">
                      {item.setBy?.name ?? 'Someone'} changed this item while you were typing; it now shows their change. Your text is kept.
                    </div>
                  )}
                  <div className="cl-form-row">
                    <label className={`field ${error?.field === 'note' ? 'invalid' : ''}`}>
                      <span>Note {gates ? '(needed to waive or fail a gate)' : '(needed to fail an item or mark it not applicable)'}</span>
                      <textarea
                        id={`note-${item.id}`}
                        name="note"
                        rows={2}
                        value={draft.note}
                        placeholder={gates ? 'What proves it, or why it is waived' : 'What you checked, or why it failed or does not apply'}
                        onChange={(e) => edit(item, { note: e.target.value })}
                        onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), e.currentTarget.blur())}
                      />
                      {error?.field === 'note' && (
                        <span className="err" role="alert" data-testid="item-error">
                          {error.message}
                        </span>
                      )}
                    </label>
                    <div className="cl-evidence">
                      <label className={`field ${error?.field === 'evidenceUrl' ? 'invalid' : ''}`}>
                        <span>Evidence link</span>
                        <input
                          name="evidenceUrl"
                          value={draft.url}
                          placeholder="https://…"
                          onChange={(e) => edit(item, { url: e.target.value })}
                          onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), e.currentTarget.blur())}
                        />
                        {error?.field === 'evidenceUrl' && (
                          <span className="err" role="alert" data-testid="item-error">
                            {error.message}
                          </span>
                        )}
                      </label>
                      {liveRef && (
                        <label className="cl-check-ref">
                          <input type="checkbox" name="useRecord" checked={sameRef(draft.ref, liveRef)} onChange={(e) => edit(item, { ref: e.target.checked ? liveRef : null })} />
                          Use the live check’s record as evidence: <span className="mono">{liveRef.label}</span>
                        </label>
                      )}
                    </div>
                  </div>
                </div>
              )}
            </div>

            <div className="cl-item-side" onClick={(e) => e.stopPropagation()}>
              {members && (
                <label className="cl-owner">
                  <span className="faint">Owner</span>
                  {write.ok ? (
                    <select aria-label={`Owner of: ${item.text}`} value={item.owner?.id ?? ''} disabled={busy === item.id} onChange={(e) => void setOwner(item, e.target.value)} data-testid="item-owner">
                      <option value="">No owner</option>
                      {item.owner && !members.some((m) => m.id === item.owner?.id) && <option value={item.owner.id}>{item.owner.name}</option>}
                      {members.map((m) => (
                        <option key={m.id} value={m.id}>
                          {m.name} ({ROLE_LABELS[m.role]})
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span data-testid="item-owner">{item.owner?.name ?? 'No owner'}</span>
                  )}
                  {error?.field === 'owner' && (
                    <span className="err" role="alert">
                      {error.message}
                    </span>
                  )}
                </label>
              )}
              {write.ok && (
                <div className="row-actions cl-actions">
                  {(['done', 'failed', 'skipped', 'open'] as const)
                    .filter((s) => s !== item.status)
                    .map((s) => (
                      <button
                        key={s}
                        className={`btn small ${s === 'done' ? 'primary' : ''}`}
                        disabled={busy !== null}
                        title={`${s === 'open' ? 'Reopen' : labels[s]} (${ACTION_KEY[s]})`}
                        data-testid={`set-${s}`}
                        onClick={() => {
                          setSelected(index);
                          void act(item, s);
                        }}
                      >
                        {s === 'open' ? 'Reopen' : labels[s]}
                      </button>
                    ))}
                </div>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** ✓ the check passes, ✗ it does not, ? the app cannot tell; with the record that says so. */
function CheckLine({ answer, label, testId }: { answer: Answer; label: string; testId: string }) {
  const cls = answer.ok === true ? 'ok' : answer.ok === false ? 'bad' : 'unknown';
  return (
    <div className={`cl-answer ${cls}`} data-testid={testId} data-ok={String(answer.ok)}>
      <span className="cl-mark" aria-label={answer.ok === true ? 'passes' : answer.ok === false ? 'fails' : 'cannot tell'}>
        {answer.ok === true ? '✓' : answer.ok === false ? '✗' : '?'}
      </span>
      <span className="cl-answer-label">{label}:</span> <span data-testid={`${testId}-summary`}>{answer.summary}</span>
      {answer.record && (
        <>
          {' '}
          <RecordLink record={answer.record} testId={`${testId}-record`} />
        </>
      )}
    </div>
  );
}
