import { type ComponentState, STATE_LABELS } from '../../src-shared/domain/component-status';

/** Shape as well as colour, so state reads without colour vision. */
const SHAPE: Record<ComponentState, string> = {
  operational: '',
  under_maintenance: 'square',
  degraded_performance: 'square',
  partial_outage: 'diamond',
  major_outage: 'diamond',
};

export function StateBadge({ state }: { state: ComponentState }) {
  return (
    <span className={`badge state-${state}`} data-state={state}>
      <span className={`dot ${SHAPE[state]}`} aria-hidden="true" />
      {STATE_LABELS[state]}
    </span>
  );
}
