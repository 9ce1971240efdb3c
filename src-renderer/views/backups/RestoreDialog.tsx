import { useEffect, useState } from 'react';
import { type Backup, RESTORE_CONFIRMATION } from '../../../src-shared/contract/backups';
import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { call } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';
import { Time } from '../../components/Time';

/**
 * Restore a backup over the live embedded database: says what is lost (everything from the
 * backup's time to now), needs RESTORE typed, and may record each step on an open incident.
 */
export function RestoreDialog({ backup, onRestore, onClose }: { backup: Backup; onRestore: (opts: { confirm: string; incidentId?: string; reason?: string }) => void; onClose: () => void }) {
  const [confirm, setConfirm] = useState('');
  const [reason, setReason] = useState('');
  const [incidentId, setIncidentId] = useState('');
  const [incidents, setIncidents] = useState<IncidentSummary[]>([]);
  useEffect(() => {
    void call('incidents.list', { filter: 'open', limit: 100 }).then((r) => setIncidents(r.incidents), () => setIncidents([]));
  }, []);
  const ready = confirm === RESTORE_CONFIRMATION;
  return (
    <Dialog
      title="Restore this backup over the live database"
      label="Restore backup"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose} autoFocus>
            Cancel
          </button>
          <button
            className="btn danger"
            disabled={!ready}
            title={ready ? 'Stop writes, check, restore, verify, resume' : `Type ${RESTORE_CONFIRMATION} first`}
            onClick={() => onRestore({ confirm, ...(incidentId ? { incidentId } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}) })}
            data-testid="restore-go"
          >
            Restore
          </button>
        </>
      }
    >
      <p data-testid="restore-loss">
        Everything made from <Time iso={backup.createdAt} /> to now is lost: incidents, audit events, telemetry and settings written after this backup. The
        current database is kept aside in the data folder (its path is shown when the restore ends), never deleted.
      </p>
      <ol className="dim">
        <li>Stop writes: commands are refused and background jobs stop.</li>
        <li>Check the file’s sha256 and size against its record (a bad file changes nothing).</li>
        <li>Restore into a fresh database cluster; the current one is moved aside.</li>
        <li>Verify every table’s rows and the audit chain against this workstation’s signed checkpoints.</li>
        <li>Resume: reconnect to the restored database. A failure puts the current database back.</li>
      </ol>
      <label>
        Record the steps on incident{' '}
        <select value={incidentId} onChange={(e) => setIncidentId(e.target.value)} data-testid="restore-incident" aria-label="Incident">
          <option value="">— none —</option>
          {incidents.map((i) => (
            <option key={i.id} value={i.id}>
              {i.title}
            </option>
          ))}
        </select>
      </label>
      <label>
        Reason <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} style={{ width: '100%' }} aria-label="Reason" data-testid="restore-reason" />
      </label>
      <label>
        Type {RESTORE_CONFIRMATION} to confirm{' '}
        <input value={confirm} onChange={(e) => setConfirm(e.target.value)} aria-label="Confirmation" data-testid="restore-confirm" autoComplete="off" />
      </label>
    </Dialog>
  );
}
