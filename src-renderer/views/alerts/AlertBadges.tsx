import type { AlertSeverity, AlertState } from '../../../src-shared/domain/alert-rules';

const STATE_LABEL: Record<AlertState, string> = { inactive: 'Inactive', pending: 'Pending', firing: 'Firing', resolved: 'Resolved' };
const SEVERITY_LABEL: Record<AlertSeverity, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

/** Shape as well as colour: a firing alert reads as firing without colour vision. */
export function AlertStateBadge({ state }: { state: AlertState }) {
  return (
    <span className={`badge alert-${state}`} data-state={state}>
      <span className={`dot ${state === 'firing' ? 'diamond' : state === 'pending' ? 'square' : ''}`} aria-hidden="true" />
      {STATE_LABEL[state]}
    </span>
  );
}

export function SeverityPill({ severity }: { severity: AlertSeverity | 'high' | 'medium' | 'low' }) {
  const kind = severity === 'critical' ? 'bad' : severity === 'warning' || severity === 'high' ? 'warn' : '';
  const label = severity in SEVERITY_LABEL ? SEVERITY_LABEL[severity as AlertSeverity] : severity[0]!.toUpperCase() + severity.slice(1);
  return <span className={`pill ${kind}`}>{label}</span>;
}
