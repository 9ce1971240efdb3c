import { type ComponentState, STATE_LABELS } from '../../src-shared/domain/component-status';

/** Shape as well as colour, so state reads without colour vision. */
const SHAPE: Record<ComponentState, string> = {
  operational: '',
  under_maintenance: 'square',
  degraded_performance: 'square',
  partial_outage: 'diamond',
  major_outage: 'diamond',
};

/** `null`: nothing stands behind the component; it says so, never "operational". */
export function StateBadge({ state }: { state: ComponentState | null }) {
  if (state === null)
    return (
      <span className="badge state-no-data" data-state="no_data">
        <span className="dot hollow" aria-hidden="true" />
        No data
      </span>
    );
  return (
    <span className={`badge state-${state}`} data-state={state}>
      <span className={`dot ${SHAPE[state]}`} aria-hidden="true" />
      {STATE_LABELS[state]}
    </span>
  );
}
