import { type Health, HEALTH_LABELS } from '../../src-shared/domain/node-health';
import { type Lifecycle, LIFECYCLE_LABELS } from '../../src-shared/domain/node-lifecycle';

/** Health carries shape and colour: round is fine, square needs a look, diamond is bad. */
export function HealthBadge({ health }: { health: Health }) {
  return (
    <span className={`badge health-${health}`} data-health={health}>
      <span className={`dot ${health === 'critical' ? 'diamond' : health === 'healthy' ? '' : 'square'}`} aria-hidden="true" />
      {HEALTH_LABELS[health]}
    </span>
  );
}

export function LifecycleBadge({ lifecycle }: { lifecycle: Lifecycle }) {
  return (
    <span className={`pill lifecycle-${lifecycle}`} data-lifecycle={lifecycle}>
      {LIFECYCLE_LABELS[lifecycle]}
    </span>
  );
}
