import type { RunSummary } from '../../../src-shared/contract/checklists';
import { GATE_STATUS_LABELS, ITEM_STATUS_LABELS, type ItemStatus } from '../../../src-shared/domain/checklists';

export type RunKind = RunSummary['kind'];

/** Gates pass and are waived; checklist items are done or not applicable. */
export function statusLabels(kind: RunKind): Record<ItemStatus, string> {
  return kind === 'gates' ? GATE_STATUS_LABELS : ITEM_STATUS_LABELS;
}

/** The same words, short and lower-case, for counts ("3 done · 1 n.a."). */
export function countWords(kind: RunKind): Record<ItemStatus, string> {
  return kind === 'gates' ? { open: 'open', done: 'passed', failed: 'failed', skipped: 'waived' } : { open: 'open', done: 'done', failed: 'failed', skipped: 'n.a.' };
}

/** Shape as well as colour: round done, diamond failed, square not applicable, hollow open. */
export const STATUS_SHAPE: Record<ItemStatus, string> = { open: 'hollow', done: '', failed: 'diamond', skipped: 'square' };
