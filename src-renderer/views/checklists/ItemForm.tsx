import { evidenceRefSchema } from '../../../src-shared/contract/checklists';
import { errorText, McClientError } from '../../bridge/client';
import type { Answer } from './CheckLine';

export type EvidenceRef = ReturnType<typeof evidenceRefSchema.parse>;

/** What an operator is typing for one item; kept until the item is set, refusals included. */
export interface Draft {
  note: string;
  url: string;
  ref: EvidenceRef | null;
  /** An attestation's attachment: a full file path (read and hashed by the app) or an https:// link. */
  attachment: string;
  /** A link's sha256 (a file's is computed by the app, never taken from here). */
  sha: string;
  /** The item's version when typing started, to say so if someone else changes it meanwhile. */
  baseVersion: number;
}

export interface ItemError {
  field: 'status' | 'note' | 'evidenceUrl' | 'attachment' | 'attachmentSha256' | 'owner' | 'other';
  message: string;
}

/** A check's record that can also stand as an item's evidence (a page of the app cannot). */
export function evidenceOf(answer: Answer | null): EvidenceRef | null {
  const parsed = evidenceRefSchema.safeParse(answer?.record ?? null);
  return parsed.success ? parsed.data : null;
}

/** A refusal, placed at the field the server named (a failing live check is the status's). */
export function errorOf(err: unknown): ItemError {
  if (!(err instanceof McClientError)) return { field: 'other', message: errorText(err) };
  if (err.code === 'CONFLICT') return { field: 'status', message: `${err.message} It has been reloaded: check it, then set it again.` };
  if (err.code === 'FORBIDDEN') return { field: 'status', message: err.message };
  for (const field of ['status', 'note', 'evidenceUrl', 'attachment', 'attachmentSha256'] as const) {
    if (err.fields[field]) return { field, message: err.fields[field] };
  }
  return { field: 'other', message: Object.values(err.fields)[0] ?? err.message };
}

const sameRef = (a: EvidenceRef | null, b: EvidenceRef) => !!a && a.type === b.type && a.id === b.id;
// Escape leaves the field, so the view's keys (j/k, d/f/x/o, Escape back) work again.
const leaveOnEscape = (e: React.KeyboardEvent<HTMLElement>) => {
  if (e.key !== 'Escape') return;
  e.stopPropagation();
  e.currentTarget.blur();
};

function FieldError({ error, field }: { error: ItemError | null; field: ItemError['field'] }) {
  if (error?.field !== field) return null;
  return (
    <span className="err" role="alert" data-testid="item-error">
      {error.message}
    </span>
  );
}

/** Note and evidence (a link, or the live check's record) for the next status an item is given. */
export function ItemForm({
  itemId,
  draft,
  error,
  liveRef,
  gates,
  changedBy,
  onEdit,
}: {
  itemId: string;
  draft: Draft;
  error: ItemError | null;
  liveRef: EvidenceRef | null;
  gates: boolean;
  /** Set when someone else changed the item while this draft was being typed. */
  changedBy: string | null;
  onEdit: (patch: Partial<Draft>) => void;
}) {
  return (
    <div className="cl-form" onClick={(e) => e.stopPropagation()}>
      {error && (error.field === 'status' || error.field === 'other') && (
        <div className="cl-refusal" role="alert" data-testid="item-error">
          {error.message}
        </div>
      )}
      {changedBy && !error && (
        <div className="cl-refusal warn" role="status">
          {changedBy} changed this item while you were typing; it now shows their change. Your text is kept.
        </div>
      )}
      <div className="cl-form-row">
        <label className={`field ${error?.field === 'note' ? 'invalid' : ''}`}>
          <span>Note {gates ? '(needed to waive or fail a gate)' : '(needed to fail an item or mark it not applicable)'}</span>
          <textarea
            id={`note-${itemId}`}
            name="note"
            rows={2}
            value={draft.note}
            placeholder={gates ? 'What proves it, or why it is waived' : 'What you checked, or why it failed or does not apply'}
            onChange={(e) => onEdit({ note: e.target.value })}
            onKeyDown={leaveOnEscape}
          />
          <FieldError error={error} field="note" />
        </label>
        <div className="cl-evidence">
          <label className={`field ${error?.field === 'evidenceUrl' ? 'invalid' : ''}`}>
            <span>Evidence link</span>
            <input name="evidenceUrl" value={draft.url} placeholder="https://…" onChange={(e) => onEdit({ url: e.target.value })} onKeyDown={leaveOnEscape} />
            <FieldError error={error} field="evidenceUrl" />
          </label>
          <label className={`field ${error?.field === 'attachment' ? 'invalid' : ''}`}>
            <span>Attach a file or link (attestation)</span>
            <input
              name="attachment"
              value={draft.attachment}
              placeholder="/full/path/to/file or https://…"
              onChange={(e) => onEdit({ attachment: e.target.value })}
              onKeyDown={leaveOnEscape}
            />
            <FieldError error={error} field="attachment" />
          </label>
          {/^https?:/i.test(draft.attachment.trim()) && (
            <label className={`field ${error?.field === 'attachmentSha256' ? 'invalid' : ''}`}>
              <span>sha256 of what the link names</span>
              <input name="attachmentSha256" className="mono" value={draft.sha} placeholder="64 hexadecimal characters" onChange={(e) => onEdit({ sha: e.target.value })} onKeyDown={leaveOnEscape} />
              <FieldError error={error} field="attachmentSha256" />
            </label>
          )}
          {liveRef && (
            <label className="cl-check-ref">
              <input type="checkbox" name="useRecord" checked={sameRef(draft.ref, liveRef)} onChange={(e) => onEdit({ ref: e.target.checked ? liveRef : null })} />
              Use the live check’s record as evidence: <span className="mono">{liveRef.label}</span>
            </label>
          )}
        </div>
      </div>
    </div>
  );
}
