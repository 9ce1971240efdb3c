import { useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { call, errorText } from '../../bridge/client';
import { Time } from '../../components/Time';
import { useSystem } from '../../stores/system-store';

type Matrix = Response<'retention.matrix'>;

/**
 * Data retention (Connections): the retention matrix as it holds in the connected database, per
 * data class its period, how it is removed, the oldest record still kept (red when older than the
 * period: the upkeep is not keeping up) and the next purge. docs/retention.md is the same matrix.
 */
export function RetentionPanel() {
  const session = useSystem((s) => s.info?.session);
  const epoch = useSystem((s) => s.epoch);
  const [m, setM] = useState<Matrix | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!session) return;
    void call('retention.matrix', {}).then(
      (r) => {
        setM(r);
        setError(null);
      },
      (err) => setError(errorText(err)),
    );
  }, [session?.orgId, epoch]);

  if (!session) return null;
  return (
    <section className="panel" data-testid="retention-panel">
      <header>Data retention</header>
      {error && !m && <div className="err">Could not read the retention matrix: {error}</div>}
      {!m && !error && <div className="dim">Loading…</div>}
      {m && (
        <>
          <p className="dim" data-testid="retention-upkeep">
            {m.lastUpkeepAt && m.nextUpkeepAt ? (
              <>
                The database upkeep last purged <Time iso={m.lastUpkeepAt} />; the next purge is due <Time iso={m.nextUpkeepAt} mode="local" /> (hourly on every connected instance).
              </>
            ) : (
              'No upkeep has run on this database yet: it runs as soon as an instance of this version connects, then hourly.'
            )}{' '}
            The same matrix, with the reasons, is in docs/retention.md.
          </p>
          <table className="grid" aria-label="Retention matrix">
            <thead>
              <tr>
                <th>Data</th>
                <th>Kept</th>
                <th>How it is removed</th>
                <th>Oldest kept</th>
                <th>Next purge</th>
              </tr>
            </thead>
            <tbody>
              {m.rows.map((r) => {
                const overdue = r.oldestAt !== null && r.keepMs !== null && Date.now() - Date.parse(r.oldestAt) > r.keepMs + 86_400_000;
                return (
                  <tr key={r.key} data-testid={`retention-${r.key}`}>
                    <td title={r.holds}>{r.label}</td>
                    <td>{r.keep}</td>
                    <td className="dim">{r.how}</td>
                    <td className={overdue ? 'err' : ''} title={overdue ? 'Older than its period: the upkeep has not purged it yet' : undefined}>
                      {r.oldestAt ? <Time iso={r.oldestAt} /> : <span className="faint">—</span>}
                    </td>
                    <td>{r.nextPurgeAt ? <Time iso={r.nextPurgeAt} mode="local" /> : <span className="faint">{r.upkeep ? 'when an instance connects' : '—'}</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
