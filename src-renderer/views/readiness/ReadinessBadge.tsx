import type { Readiness } from '../../stores/readiness-store';

export const READINESS_LABELS: Record<Readiness, string> = { preparing: 'Preparing', ready: 'Ready', live: 'Live' };

/** Square preparing, round ready (accent) and live (green): shape and word, not colour alone. */
export function ReadinessBadge({ readiness }: { readiness: Readiness }) {
  return (
    <span className={`rd-state r-${readiness}`} data-testid="readiness-state" data-readiness={readiness}>
      <span className="dot" aria-hidden="true" />
      {READINESS_LABELS[readiness]}
    </span>
  );
}
