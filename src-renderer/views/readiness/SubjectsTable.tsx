import type { ReadinessSubject } from '../../../src-shared/contract/checklists';
import { useUi } from '../../stores/ui-store';
import { Progress } from '../checklists/Progress';
import { ReadinessBadge } from './ReadinessBadge';

const SHOWN_OPEN = 3;

/** Corridors or pilots: readiness, gate progress, the gates still open, and the way in. */
export function SubjectsTable({
  subjects,
  write,
  preparing,
  onPrepare,
}: {
  subjects: ReadinessSubject[];
  write: { ok: boolean; why: string | null };
  preparing: string | null;
  onPrepare: (s: ReadinessSubject) => void;
}) {
  const navigate = useUi((s) => s.navigate);
  const pilots = subjects[0]?.subjectType === 'pilot';
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>{pilots ? 'Customer' : 'Corridor'}</th>
          {pilots && <th>Tier · corridor</th>}
          {pilots && <th>Owner</th>}
          <th>Readiness</th>
          <th>Gates</th>
          <th>Open gates</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {subjects.map((s) => (
          <tr key={s.id} data-testid={`readiness-${s.name}`} data-readiness={s.readiness}>
            <td>
              {s.gateRunId ? (
                <a
                  href={`#/readiness/${s.gateRunId}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate('readiness', s.gateRunId);
                  }}
                >
                  {s.name}
                </a>
              ) : (
                s.name
              )}
            </td>
            {pilots && <td className="dim">{s.detail}</td>}
            {pilots && <td>{s.owner?.name ?? <span className="faint">no owner</span>}</td>}
            <td>
              <ReadinessBadge readiness={s.readiness} />
            </td>
            <td className="cl-progress-cell">{s.progress ? <Progress progress={s.progress} kind="gates" compact /> : <span className="faint">no gates set up</span>}</td>
            <td>
              {s.openGates.length === 0 ? (
                <span className="faint">{s.progress ? 'none' : '—'}</span>
              ) : (
                <ul className="rd-open" data-testid="open-gates">
                  {s.openGates.slice(0, SHOWN_OPEN).map((g) => (
                    <li key={g}>{g}</li>
                  ))}
                  {s.openGates.length > SHOWN_OPEN && <li className="faint">and {s.openGates.length - SHOWN_OPEN} more</li>}
                </ul>
              )}
              {/* Waived is never shown as passed: an admin decided it, with a reason (on the gate). */}
              {s.waivedGates.length > 0 && (
                <div className="faint" data-testid="waived-gates" title={s.waivedGates.join('\n')}>
                  Waived by an admin: {s.waivedGates.length}
                </div>
              )}
              {s.blockers.length > 0 && (
                <ul className="rd-open" data-testid="readiness-blockers">
                  {s.blockers.map((b) => (
                    <li key={b}>{b}</li>
                  ))}
                </ul>
              )}
            </td>
            <td className="num">
              {s.gateRunId ? (
                <button className="btn small" onClick={() => navigate('readiness', s.gateRunId)} data-testid="open-gate-set">
                  Gates
                </button>
              ) : (
                <button
                  className="btn small primary"
                  disabled={!write.ok || preparing !== null}
                  title={write.why ?? 'Create the go-live gates for this corridor'}
                  onClick={() => onPrepare(s)}
                  data-testid="prepare-gates"
                >
                  {preparing === s.id ? 'Setting up…' : 'Set up gates'}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
