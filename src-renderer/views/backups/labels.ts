import type { SystemInfo } from '../../../src-shared/contract/system';
import { canWrite } from '../../stores/system-store';

export const FORMAT_LABELS = { pg_dump_custom: 'pg_dump -Fc', mc_archive: 'Built-in archive' } as const;

export const PHASE_LABELS: Record<string, string> = {
  checkpoint: 'Signing a checkpoint of the audit log (so the restore drill can check against it)…',
  snapshot: 'Taking a consistent snapshot…',
  tables: 'Copying tables…',
  hashing: 'Computing the file’s sha256…',
  scratch: 'Starting a scratch database server…',
  restoring: 'Restoring the backup…',
  verifying: 'Counting rows and verifying the audit chain…',
  recording: 'Recording…',
  done: 'Done.',
  stop_writes: '1/5 Stopping writes (commands refused, background jobs stopped)…',
  checking: '2/5 Checking the backup file’s sha256 and size…',
  swapping: '3/5 Stopping the database and moving its cluster aside…',
  resuming: '5/5 Reconnecting to the restored database…',
  rolling_back: 'Putting the previous database back…',
};

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Backups hold the whole database: admins only, and never from a read-only display. */
export function canBackUp(info: SystemInfo | null): { ok: boolean; why: string | null } {
  const w = canWrite(info);
  if (!w.ok) return w;
  if (info?.session?.role !== 'admin') return { ok: false, why: 'Only admins back up or drill: a backup holds the whole database.' };
  return { ok: true, why: null };
}
