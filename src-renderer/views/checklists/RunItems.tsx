import { useEffect, useState } from 'react';
import type { ChecklistItem, RunSummary } from '../../../src-shared/contract/checklists';
import type { Member } from '../../../src-shared/contract/incidents';
import { ROLE_LABELS } from '../../../src-shared/contract/roles';
import type { ItemStatus } from '../../../src-shared/domain/checklists';
import { VIEWS } from '../../../src-shared/navigation';
import { errorText } from '../../bridge/client';
import { Time } from '../../components/Time';
import { useChecklists } from '../../stores/checklists-store';
import { CheckLine } from './CheckLine';
import { type Draft, errorOf, evidenceOf, ItemForm, type ItemError } from './ItemForm';
import { viewKey } from '../../app/shortcuts';
import { RecordLink } from './RecordLink';
import { STATUS_SHAPE, statusLabels } from './words';

const KEYS: Record<string, ItemStatus> = { d: 'done', f: 'failed', x: 'skipped', o: 'open' };
const ACTION_KEY: Record<ItemStatus, string> = { done: 'd', failed: 'f', skipped: 'x', open: 'o' };

function forget<T>(map: Record<string, T>, id: string): Record<string, T> {
  const { [id]: _, ...rest } = map;
  return rest;
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

  const fresh = (item: ChecklistItem): Draft => ({ note: '', url: '', ref: null, attachment: '', sha: '', baseVersion: item.version });
  const draftOf = (item: ChecklistItem): Draft => drafts[item.id] ?? fresh(item);
  const edit = (item: ChecklistItem, patch: Partial<Draft>) => {
    setDrafts((d) => ({ ...d, [item.id]: { ...(d[item.id] ?? fresh(item)), ...patch } }));
    setErrors((e) => forget(e, item.id));
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
        attachment: d.attachment.trim() || null,
        // A file's sha256 is computed by the app; only a link's is sent.
        attachmentSha256: /^https?:/i.test(d.attachment.trim()) && d.sha.trim() ? d.sha.trim() : null,
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

              {(item.note || item.evidenceUrl || item.evidenceRef || item.attachment) && (
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
                  {item.attachment && (
                    <div data-testid="item-attachment">
                      <span className="faint">Attested by {item.setBy?.name ?? 'a former member'} with:</span> <span className="mono">{item.attachment.uri}</span>{' '}
                      <span className="faint">sha256</span> <span className="mono" data-testid="attachment-sha256">{item.attachment.sha256}</span>
                    </div>
                  )}
                </div>
              )}

              <div className="faint cl-proof" data-testid="item-proof" data-proof={item.proof.kind}>
                {item.proof.needs}
              </div>
              {item.live && <CheckLine answer={item.live} label="Live check" testId="live" />}
              {item.recordedAnswer && <CheckLine answer={item.recordedAnswer} label={gates ? 'Recorded when passed' : 'Recorded when marked done'} testId="recorded" />}

              {showForm && (
                <ItemForm
                  itemId={item.id}
                  draft={draft}
                  error={error}
                  liveRef={evidenceOf(item.live)}
                  gates={gates}
                  changedBy={drafts[item.id] && draft.baseVersion !== item.version ? (item.setBy?.name ?? 'Someone') : null}
                  onEdit={(patch) => edit(item, patch)}
                />
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
