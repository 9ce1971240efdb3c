import { useState } from 'react';
import type { BackupSchedule } from '../../../src-shared/contract/backups';
import { call, errorText } from '../../bridge/client';
import { useUi } from '../../stores/ui-store';

/** Scheduled backups of the embedded database: interval, how many scheduled files to keep, where. */
export function ScheduleForm({ schedule, defaultFolder, allowed, why, onSaved }: { schedule: BackupSchedule | null; defaultFolder: string; allowed: boolean; why: string | null; onSaved: () => void }) {
  const [enabled, setEnabled] = useState(schedule?.enabled ?? false);
  const [intervalHours, setInterval] = useState(String(schedule?.intervalHours ?? 24));
  const [retentionCount, setRetention] = useState(String(schedule?.retentionCount ?? 7));
  const [folder, setFolder] = useState(schedule?.folder ?? defaultFolder);
  const [problem, setProblem] = useState<string | null>(null);
  const toast = useUi((s) => s.toast);
  const save = async () => {
    setProblem(null);
    try {
      await call('backups.setSchedule', { enabled, intervalHours: Number(intervalHours), retentionCount: Number(retentionCount), folder });
      toast('ok', enabled ? `Scheduled: a backup every ${intervalHours} h, the newest ${retentionCount} kept.` : 'Scheduled backups are off.');
      onSaved();
    } catch (err) {
      setProblem(errorText(err));
    }
  };
  return (
    <section className="panel" data-testid="backup-schedule">
      <header>Schedule (embedded database)</header>
      <div className="body">
        <div style={{ display: 'flex', gap: '0.75em', alignItems: 'center', flexWrap: 'wrap' }}>
          <label>
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} disabled={!allowed} /> Back up on a schedule
          </label>
          <label>
            every <input type="number" min={1} max={720} value={intervalHours} onChange={(e) => setInterval(e.target.value)} disabled={!allowed} style={{ width: '5em' }} /> hours
          </label>
          <label>
            keep the newest <input type="number" min={1} max={365} value={retentionCount} onChange={(e) => setRetention(e.target.value)} disabled={!allowed} style={{ width: '5em' }} /> scheduled files
          </label>
          <label>
            in <input value={folder} onChange={(e) => setFolder(e.target.value)} disabled={!allowed} style={{ width: '28em' }} />
          </label>
          <button className="btn" onClick={() => void save()} disabled={!allowed} title={why ?? 'Save the schedule'}>
            Save schedule
          </button>
        </div>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <p className="dim">Older scheduled files beyond the count are removed; their records stay, marked removed. Manual backups are never removed.</p>
      </div>
    </section>
  );
}
