import type { SteadyState } from '../../../src-shared/contract/drills';

export function OutcomePill({ outcome }: { outcome: 'passed' | 'failed' | null }) {
  if (!outcome) return <span className="faint">—</span>;
  return (
    <span className={`pill ${outcome === 'passed' ? 'ok' : 'bad'}`} data-outcome={outcome}>
      {outcome === 'passed' ? 'Passed' : 'Failed'}
    </span>
  );
}

const ROWS: [keyof SteadyState, string][] = [
  ['nodes', 'Nodes in scope'],
  ['active', 'Active (take traffic)'],
  ['healthy', 'Healthy'],
  ['warning', 'Warning'],
  ['critical', 'Critical'],
  ['stale', 'No recent telemetry'],
  ['unknown', 'Never reported'],
  ['routable', 'Simulations with a valid target'],
];

/** Steady state before and after, side by side; both were read from live records, never typed. */
export function SteadyStateTable({ before, after }: { before: SteadyState | null; after: SteadyState | null }) {
  const cell = (s: SteadyState | null, k: keyof SteadyState) => (s === null ? '—' : k === 'routable' ? `${s.routable} of ${s.simulations}` : String(s[k]));
  return (
    <table className="grid" data-testid="steady-state">
      <thead>
        <tr>
          <th>Steady state (computed)</th>
          <th>Before</th>
          <th>After</th>
        </tr>
      </thead>
      <tbody>
        {ROWS.map(([k, label]) => (
          <tr key={k} data-figure={k}>
            <td>{label}</td>
            <td data-before>{cell(before, k)}</td>
            <td data-after>{cell(after, k)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
