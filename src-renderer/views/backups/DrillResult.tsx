import type { RestoreDrill } from '../../../src-shared/contract/backups';
import { Time } from '../../components/Time';

/** One restore drill: verdict, time, chain result and every table's expected against restored rows. */
export function DrillResult({ drill, onClose }: { drill: RestoreDrill; onClose: () => void }) {
  const wrong = drill.tables.filter((t) => t.expected !== t.restored);
  const rows = drill.tables.reduce((n, t) => n + t.expected, 0);
  return (
    <section className="panel" data-testid="drill-result" data-ok={drill.ok}>
      <div className="view-head">
        <h2>
          Restore drill <span className={`pill ${drill.ok ? 'ok' : 'bad'}`} data-testid="drill-verdict">{drill.ok ? 'passed' : 'failed'}</span>
        </h2>
        <span className="sub">
          <Time iso={drill.startedAt} /> · {(drill.durationMs / 1000).toFixed(1)} s · scratch server: {drill.scratch === 'pg15' ? 'PostgreSQL 15 cluster' : 'temporary embedded server'}
        </span>
        <span className="actions">
          <a href={`#/audit`} title="The drill's evidence record is in the audit log and evidence bundles">evidence {drill.evidenceId.slice(0, 8)}</a>
          <button className="btn" onClick={onClose}>
            Close
          </button>
        </span>
      </div>
      <p data-testid="drill-counts">
        Row counts: {drill.countsOk ? `all ${drill.tables.length} tables match (${rows} rows).` : `${wrong.length} of ${drill.tables.length} tables differ.`}
      </p>
      <p data-testid="drill-chain">Audit chain: {drill.chainMessage}</p>
      <details open={!drill.countsOk}>
        <summary>Per-table counts</summary>
        <table className="grid" data-testid="drill-tables">
          <thead>
            <tr>
              <th>Table</th>
              <th>In the backup</th>
              <th>Restored</th>
            </tr>
          </thead>
          <tbody>
            {(wrong.length ? [...wrong, ...drill.tables.filter((t) => t.expected === t.restored)] : drill.tables).map((t) => (
              <tr key={`${t.schema}.${t.table}`} data-mismatch={t.expected !== t.restored}>
                <td>
                  {t.schema}.{t.table}
                </td>
                <td>{t.expected}</td>
                <td>{t.restored < 0 ? 'missing' : t.restored}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
