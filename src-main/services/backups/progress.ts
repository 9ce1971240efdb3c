/** How far a backup or restore drill has got (polled by the view). */
export interface BackupProgress {
  phase: 'checkpoint' | 'snapshot' | 'tables' | 'hashing' | 'scratch' | 'restoring' | 'verifying' | 'recording' | 'done' | 'stop_writes' | 'checking' | 'swapping' | 'resuming' | 'rolling_back';
  done: number;
  total: number | null;
  /** The table being copied, for the progress line. */
  table?: string;
}

export type ProgressFn = (p: BackupProgress) => void;

/** The operator cancelled: nothing is recorded and no partial file is left. */
export class BackupCancelled extends Error {
  constructor() {
    super('The backup was cancelled; no file was kept and nothing was recorded.');
  }
}
