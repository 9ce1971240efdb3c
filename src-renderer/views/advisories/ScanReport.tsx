import type { ScanSummary } from '../../../src-shared/contract/advisories';
import { Time } from '../../components/Time';

/** The last scan's report: every check, what it found, or why it could not run. */
export function ScanReport({ scan }: { scan: ScanSummary }) {
  return (
    <section className="panel" data-testid="advisories-report">
      <header>
        Last scan <Time iso={scan.finishedAt} />{' '}
        <span className="faint">
          ({scan.trigger}: {scan.raised} raised, {scan.refreshed} still found, {scan.closed} closed)
        </span>
      </header>
      <table className="grid">
        <tbody>
          {scan.report.map((l) => (
            <tr key={l.check} data-status={l.status}>
              <td>{l.label}</td>
              <td>
                {l.status === 'checked' ? (
                  <span className={`pill ${l.found ? 'warn' : 'ok'}`}>{l.found ? `${l.found} found` : 'clear'}</span>
                ) : (
                  <span className="pill">{l.status === 'no_record' ? 'no record' : 'not checked'}</span>
                )}
              </td>
              <td className="dim">{l.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
