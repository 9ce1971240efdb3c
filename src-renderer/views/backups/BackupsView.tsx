import { useEffect, useRef, useState } from 'react';
import { NoOrg } from '../../components/NoOrg';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { useBackups } from '../../stores/backups-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useViewKeys } from '../incidents/useViewKeys';
import { DrillResult } from './DrillResult';
import { bytes, canBackUp, FORMAT_LABELS, PHASE_LABELS } from './labels';
import { RestoreDialog } from './RestoreDialog';
import { RestoreResult } from './RestoreResult';
import { ScheduleForm } from './ScheduleForm';
import type { Backup } from '../../../src-shared/contract/backups';

/**
 * /backups: back up the database to a folder (progress, cancel, sha256), run restore drills that
 * prove a backup restores (per-table counts, audit chain against the signed checkpoints, time),
 * and the embedded database's schedule.
 */
export function BackupsView() {
  const session = useSystem((s) => s.info?.session ?? null);
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const { overview, error, job, progress, jobError, shownDrill, shownRestore } = useBackups();
  const [restoring, setRestoring] = useState<Backup | null>(null);
  const toast = useUi((s) => s.toast);
  const shownOrg = useRef<string | null>(null);
  const [folder, setFolder] = useState('');
  const allowed = canBackUp(info);

  useEffect(() => {
    if (!session) return;
    if (shownOrg.current !== session.orgId) useBackups.getState().clear();
    shownOrg.current = session.orgId;
    void useBackups.getState().load();
  }, [session?.orgId, session?.role, epoch]);
  useEffect(() => {
    if (overview && !folder) setFolder(overview.schedule?.folder ?? overview.defaultFolder);
  }, [overview]);

  const backUp = async () => {
    const b = await useBackups.getState().backUp(folder);
    if (b) toast('ok', `Backed up: ${b.path.split('/').pop()} (${bytes(b.sizeBytes)}).`);
  };
  const drill = async (backupId: string) => {
    const d = await useBackups.getState().drill(backupId);
    if (d) toast(d.ok ? 'ok' : 'error', d.ok ? `Restore drill passed in ${(d.durationMs / 1000).toFixed(1)} s.` : 'Restore drill failed: see its result.');
  };
  const restore = async (backup: Backup, opts: { confirm: string; incidentId?: string; reason?: string }) => {
    setRestoring(null);
    const r = await useBackups.getState().restore(backup.id, opts);
    if (r) toast('ok', `Restored the backup and verified it; ${r.lost.events} audit events after it were lost. The old database is kept aside.`);
  };
  useViewKeys({ b: allowed.ok && !job ? () => void backUp() : null, r: () => void useBackups.getState().load() });

  if (!session) return <NoOrg title="Backups" />;
  const latest = overview?.backups.find((b) => !b.removedAt) ?? null;
  const backupButton = (
    <button className="btn primary" onClick={() => void backUp()} disabled={!allowed.ok || Boolean(job) || !folder} title={allowed.why ?? 'Back up now (b)'} data-testid="backup-now">
      Back up now
    </button>
  );
  return (
    <div className="view stack" data-testid="backups-view">
      <div className="view-head">
        <h1>Backups</h1>
        <span className="sub" data-testid="backup-status">
          {overview?.status.lastBackupAt ? (
            <>
              Last backup <Time iso={overview.status.lastBackupAt} />
            </>
          ) : (
            'No backup yet'
          )}
          {' · '}
          {overview?.status.lastDrillAt ? (
            <>
              last restore drill <Time iso={overview.status.lastDrillAt} /> {overview.status.lastDrillOk ? 'passed' : 'FAILED'}
            </>
          ) : (
            'no restore drill yet'
          )}
        </span>
      </div>
      <section className="panel" data-testid="backup-folder-panel">
        <div className="body">
          <div style={{ display: 'flex', gap: '0.75em', alignItems: 'center', flexWrap: 'wrap' }}>
            <label>
              Folder <input value={folder} onChange={(e) => setFolder(e.target.value)} style={{ width: '32em' }} data-testid="backup-folder" aria-label="Backup folder" />
            </label>
            {backupButton}
            {job && (job.kind !== 'restore' || !progress?.phase || progress.phase === 'stop_writes' || progress.phase === 'checking') && (
              // A restore can be cancelled only until the database is stopped; after that it finishes or rolls back.
              <button className="btn" onClick={() => useBackups.getState().cancel()} data-testid="backup-cancel">
                Cancel {job.kind === 'backup' ? 'backup' : job.kind === 'drill' ? 'drill' : 'restore'}
              </button>
            )}
          </div>
          {job && (
            <p data-testid="backup-progress" role="status">
              {job.kind === 'backup' ? 'Backing up' : job.kind === 'drill' ? 'Restore drill' : 'Restoring over the live database'}: {progress?.phase ? PHASE_LABELS[progress.phase] : 'Starting…'}
              {progress?.total ? ` ${progress.done}/${progress.total}` : ''}
              {progress?.table ? ` · ${progress.table}` : ''}
            </p>
          )}
          {jobError && (
            <p className="error" role="alert" data-testid="backup-error">
              {jobError}
            </p>
          )}
          {!allowed.ok && <p className="dim">{allowed.why}</p>}
        </div>
      </section>
      {shownRestore && <RestoreResult result={shownRestore} onClose={() => useBackups.getState().showRestore(null)} />}
      {restoring && <RestoreDialog backup={restoring} onRestore={(opts) => void restore(restoring, opts)} onClose={() => setRestoring(null)} />}
      {shownDrill && <DrillResult drill={shownDrill} onClose={() => useBackups.getState().showDrill(null)} />}
      {error && !overview ? (
        <ErrorState title="Could not load backups" message={error} />
      ) : !overview ? (
        <div className="dim">Loading…</div>
      ) : overview.backups.length === 0 ? (
        <EmptyState title="No backup yet" action={allowed.ok ? backupButton : undefined}>
          Choose a folder on this computer (an external disk is best) and press Back up now. Then run a restore drill on it: a backup counts only once it has
          been restored and checked.
        </EmptyState>
      ) : (
        <section className="panel" data-testid="backups">
          <table className="grid">
            <thead>
              <tr>
                <th>Time</th>
                <th>Format</th>
                <th>Size</th>
                <th>sha256</th>
                <th>By</th>
                <th>Last drill</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {overview.backups.map((b) => {
                const last = overview.drills.find((d) => d.backupId === b.id) ?? null;
                return (
                  <tr key={b.id} data-testid={`backup-${b.id}`} title={`${b.path}\n${b.formatReason}`}>
                    <td>
                      <Time iso={b.createdAt} />
                      {b.trigger === 'scheduled' ? ' (scheduled)' : ''}
                    </td>
                    <td>{FORMAT_LABELS[b.format]}</td>
                    <td>{bytes(b.sizeBytes)}</td>
                    <td>
                      <code title={b.sha256}>{b.sha256.slice(0, 16)}…</code>
                    </td>
                    <td>{b.createdBy ?? 'schedule'}</td>
                    <td>
                      {last ? (
                        <a href="#/backups" onClick={(e) => (e.preventDefault(), useBackups.getState().showDrill(last))}>
                          {last.ok ? 'passed' : 'failed'} <Time iso={last.startedAt} />
                        </a>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      {b.removedAt ? (
                        <span className="dim">file removed</span>
                      ) : (
                        <button className="btn" onClick={() => void drill(b.id)} disabled={!allowed.ok || Boolean(job)} title={allowed.why ?? 'Restore this backup into a scratch server and check it'} data-testid={`drill-${b.id}`}>
                          Restore drill
                        </button>
                      )}
                      {!b.removedAt && overview.embedded && b.format === 'mc_archive' && (
                        <button
                          className="btn danger"
                          onClick={() => setRestoring(b)}
                          disabled={!allowed.ok || Boolean(job)}
                          title={allowed.why ?? 'Restore this backup over the live database (everything after it is lost; asks to type RESTORE)'}
                          data-testid={`restore-${b.id}`}
                        >
                          Restore…
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {latest && <p className="dim body">Newest kept: {latest.path} · {latest.formatReason}</p>}
        </section>
      )}
      {overview?.embedded && <ScheduleForm key={JSON.stringify(overview.schedule)} schedule={overview.schedule} defaultFolder={overview.defaultFolder} allowed={allowed.ok} why={allowed.why} onSaved={() => void useBackups.getState().load()} />}
    </div>
  );
}
