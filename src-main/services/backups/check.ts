import type { CheckAnswer } from '../../../src-shared/domain/checklists';
import type { Sql } from '../../db';
import { DRILL_WEEK_MS, lastBackupStatus } from './status';

const ago = (ms: number) => (ms < 3600_000 ? `${Math.max(1, Math.round(ms / 60_000))} min ago` : ms < 172_800_000 ? `${Math.round(ms / 3600_000)} h ago` : `${Math.round(ms / 86_400_000)} days ago`);

/**
 * Weekly item "Test backup restore", answered from the last restore drill: yes only when it is
 * inside the last week and passed; the proof is the drill's evidence record.
 */
export async function backupRestoreAnswer(sql: Sql, orgId: string, now: Date): Promise<CheckAnswer> {
  const s = await lastBackupStatus(sql, orgId);
  const backups = { type: 'view', id: 'backups', label: 'Backups' };
  if (!s.lastDrillAt || !s.lastDrillEvidenceId) {
    return {
      ok: false,
      summary: s.lastBackupAt ? 'No restore drill has been run: in Backups, run a restore drill of the latest backup.' : 'No backup and no restore drill yet: in Backups, back up now, then run a restore drill.',
      record: backups,
    };
  }
  const age = now.getTime() - new Date(s.lastDrillAt).getTime();
  const record = { type: 'evidence', id: s.lastDrillEvidenceId, label: `Restore drill of ${s.lastDrillAt.slice(0, 10)}` };
  if (age > DRILL_WEEK_MS) return { ok: false, summary: `The last restore drill was ${ago(age)}, more than a week ago: run one in Backups.`, record };
  if (!s.lastDrillOk) return { ok: false, summary: `The last restore drill (${ago(age)}) failed: see its per-table counts and chain result in Backups, fix, and drill again.`, record };
  return { ok: true, summary: `The last restore drill (${ago(age)}, ${Math.round((s.lastDrillDurationMs ?? 0) / 1000)} s) restored every row and verified the audit chain.`, record };
}
