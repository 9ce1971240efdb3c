import type { ChecklistItem, RunSummary } from '../contract/checklists';
import { GATE_STATUS_LABELS, ITEM_STATUS_LABELS } from './checklists';
import { csvFileSlug, csvText } from './csv';

/**
 * A checklist run or a gate set as CSV, one row per item, for whoever signs off outside the app.
 * A waived gate says "Waived" with the admin who waived it and the reason, never "Passed"; each
 * row carries the proof the item stood on (the record it links, the attachment's sha256, what the
 * live check answered when it was set and what it answers at export time).
 */
export const RUN_EXPORT_COLUMNS = [
  'Run',
  'Subject',
  'Item',
  'Status',
  'Proof needed',
  'Owner',
  'Set by',
  'Set at (UTC)',
  'Note or reason',
  'Evidence record',
  'Evidence link',
  'Attachment',
  'Attachment sha256',
  'Live check when set',
  'Live check at export',
] as const;

type Answer = ChecklistItem['live'];

function answerText(a: Answer): string | null {
  if (!a) return null;
  const verdict = a.ok === null ? 'no answer' : a.ok ? 'yes' : 'no';
  return `${verdict}: ${a.summary}${a.record ? ` (${a.record.label})` : ''}`;
}

export function runCsv(run: RunSummary, items: readonly ChecklistItem[]): string {
  const labels = run.kind === 'gates' ? GATE_STATUS_LABELS : ITEM_STATUS_LABELS;
  return csvText(
    RUN_EXPORT_COLUMNS,
    items.map((i) => [
      run.title,
      run.subjectName,
      i.text,
      labels[i.status],
      i.proof.needs,
      i.owner?.name ?? null,
      i.setBy?.name ?? null,
      i.setAt,
      i.note,
      i.evidenceRef ? `${i.evidenceRef.label} (${i.evidenceRef.type} ${i.evidenceRef.id})` : null,
      i.evidenceUrl,
      i.attachment?.uri ?? null,
      i.attachment?.sha256 ?? null,
      answerText(i.recordedAnswer),
      answerText(i.live),
    ]),
  );
}

/** "gates-pilot-acme-2026-12-06.csv" / "checklist-daily-checklist-2026-12-06.csv". */
export function runFileName(run: RunSummary, exportedAt: string): string {
  const what = run.kind === 'gates' ? 'gates' : 'checklist';
  return `${what}-${csvFileSlug(run.subjectName ?? run.title)}-${exportedAt.slice(0, 10)}.csv`;
}
