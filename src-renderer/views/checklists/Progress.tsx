import type { RunSummary } from '../../../src-shared/contract/checklists';
import type { ItemStatus } from '../../../src-shared/domain/checklists';
import { countWords, type RunKind } from './words';

const ORDER: ItemStatus[] = ['done', 'failed', 'skipped', 'open'];

/** A run's items as one bar (done, failed, not applicable, open) with the counts in words. */
export function Progress({ progress, kind, compact }: { progress: RunSummary['progress']; kind: RunKind; compact?: boolean }) {
  const words = countWords(kind);
  const count: Record<ItemStatus, number> = { done: progress.done, failed: progress.failed, skipped: progress.skipped, open: progress.open };
  const text = ORDER.filter((s) => count[s] > 0 || s === 'done')
    .map((s) => `${count[s]} ${words[s]}`)
    .join(' · ');
  return (
    <div className={`cl-progress ${compact ? 'compact' : ''}`} data-testid="progress" data-open={progress.open} data-failed={progress.failed}>
      <div className="cl-bar" role="img" aria-label={`${text}, of ${progress.total}`}>
        {ORDER.map((s) => (count[s] > 0 ? <span key={s} className={`seg s-${s}`} style={{ flexGrow: count[s] }} /> : null))}
      </div>
      <span className="cl-counts">
        {text} <span className="faint">of {progress.total}</span>
      </span>
    </div>
  );
}
