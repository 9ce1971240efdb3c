import type { RestoreResult as Result } from '../../../src-shared/contract/backups';
import { Time } from '../../components/Time';

const STEP_LABELS = { stop_writes: 'Stop writes', check: 'Check the backup', restore: 'Restore', verify: 'Verify', resume: 'Resume', rollback: 'Put the previous database back' } as const;

/** A finished restore over the live database: each step, what was lost, where the old cluster is kept. */
export function RestoreResult({ result, onClose }: { result: Result; onClose: () => void }) {
  return (
    <section className="panel" data-testid="restore-result">
      <div className="view-head">
        <h2>
          Restored the backup of <Time iso={result.backupCreatedAt} /> <span className={`pill ${result.countsOk && result.chainOk ? 'ok' : 'bad'}`}>verified</span>
        </h2>
        <span className="sub">{(result.durationMs / 1000).toFixed(1)} s</span>
        <span className="actions">
          <button className="btn" onClick={onClose}>
            Close
          </button>
        </span>
      </div>
      <p data-testid="restore-lost">
        Lost: {result.lost.events} audit event{result.lost.events === 1 ? '' : 's'} made after the backup
        {result.lost.from && result.lost.to ? (
          <>
            {' '}
            (<Time iso={result.lost.from} /> to <Time iso={result.lost.to} />)
          </>
        ) : null}
        {result.lost.actions.length ? `: ${result.lost.actions.map((a) => `${a.action} ×${a.count}`).join(', ')}` : '.'}
      </p>
      <p data-testid="restore-aside">
        The replaced database is kept at <code>{result.previousCluster}</code> (remove it yourself once you no longer need it).
      </p>
      <p>Audit chain: {result.chainMessage}</p>
      <p className={result.recorded.ok ? 'dim' : 'error'}>{result.recorded.message}</p>
      {result.incident && <p className={result.incident.recorded ? 'dim' : 'error'}>Incident: {result.incident.message}</p>}
      <table className="grid" data-testid="restore-steps">
        <thead>
          <tr>
            <th>Step</th>
            <th>Outcome</th>
            <th>At</th>
            <th>What happened</th>
          </tr>
        </thead>
        <tbody>
          {result.steps.map((s, i) => (
            <tr key={i}>
              <td>{STEP_LABELS[s.step]}</td>
              <td>{s.outcome}</td>
              <td>
                <Time iso={s.at} />
              </td>
              <td>{s.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
