import type { DrillDetail } from '../../../src-shared/contract/drills';
import type { SimulationOutcome as Simulation } from '../../../src-shared/domain/drills';
import { Time } from '../../components/Time';

type Step = DrillDetail['steps'][number];
const TITLES: Record<Step['kind'], { title: string; what: string }> = {
  drain: { title: 'Drain the scope', what: 'Active nodes in scope go to draining; routing stops sending them work.' },
  simulate: { title: 'Re-run routing simulations', what: 'The scope’s saved simulations (or a standard one) on the live snapshot; each decision checked against residency.' },
  restore: { title: 'Restore', what: 'The nodes this drill drained go back to active.' },
};

/** One runbook step: its button (only the next one is live), and what it did when it ran. */
export function RunbookStep({ step, isNext, disabled, why, onRun }: { step: Step; isNext: boolean; disabled: boolean; why: string | null; onRun: () => void }) {
  const t = TITLES[step.kind];
  const sims = (step.result.simulations as Simulation[] | undefined) ?? [];
  return (
    <li data-testid={`step-${step.kind}`} data-state={step.state}>
      <div className="row">
        <strong>
          {step.position}. {t.title}
        </strong>
        <span className={`pill ${step.state === 'done' ? 'ok' : ''}`}>{step.state}</span>
        {isNext && (
          <button className="btn primary" disabled={disabled} title={why ?? `${t.what} (n)`} onClick={onRun} data-testid={`run-${step.kind}`}>
            Run
          </button>
        )}
        {step.endedAt && (
          <span className="faint small">
            <Time iso={step.endedAt} mode="local" /> ·{' '}
            <a href={`#/audit?seq=${step.auditSeq}`} title="The audit event that records this step">
              audit #{step.auditSeq}
            </a>
          </span>
        )}
      </div>
      <div className="faint small">{t.what}</div>
      {step.summary.map((line) => (
        <div key={line} data-testid={`step-${step.kind}-summary`}>
          {line}
        </div>
      ))}
      {sims.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>Request</th>
              <th>Model</th>
              <th>From</th>
              <th>Routed to</th>
              <th>Residency</th>
            </tr>
          </thead>
          <tbody>
            {sims.map((s, i) => (
              <tr key={i}>
                <td>{s.customerName}</td>
                <td>{s.model}</td>
                <td>{s.origin}</td>
                <td>{s.selected ? `${s.selected} (${s.corridor})` : <span className="faint">{s.note ?? 'no node'}</span>}</td>
                <td>
                  <span className={`pill ${s.residency === 'inside' ? 'ok' : 'bad'}`} title={s.residency === 'outside' ? (s.note ?? '') : undefined}>
                    {s.residency}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  );
}
