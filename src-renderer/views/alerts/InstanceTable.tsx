import type { AlertInstance } from '../../../src-shared/contract/alerts';
import { Time } from '../../components/Time';
import { AlertStateBadge, SeverityPill } from './AlertBadges';

/** Alerts with their state, figure, since when, and the incident they opened. */
export function InstanceTable({ rows, onIncident }: { rows: AlertInstance[]; onIncident: (id: string) => void }) {
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>State</th>
          <th>Severity</th>
          <th>Rule</th>
          <th>Subject</th>
          <th>Value</th>
          <th>Since</th>
          <th>Incident</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((i) => (
          <tr key={`${i.ruleId}:${i.subjectKey}`} data-testid={`alert-${i.ruleName}-${i.subjectName}`}>
            <td>
              <AlertStateBadge state={i.state} />
            </td>
            <td>
              <SeverityPill severity={i.severity} />
            </td>
            <td>{i.ruleName}</td>
            <td>{i.subjectName}</td>
            <td className="mono">{i.lastValueText ?? '—'}</td>
            <td className="dim">
              <Time iso={(i.state === 'firing' ? i.firingSince : i.state === 'pending' ? i.pendingSince : i.resolvedAt) ?? i.lastObservedAt ?? new Date().toISOString()} />
            </td>
            <td>
              {i.incident ? (
                <button className="btn small ghost" onClick={() => onIncident(i.incident!.id)}>
                  {i.incident.ref}
                </button>
              ) : (
                <span className="faint">—</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
