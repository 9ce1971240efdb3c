import type { BackupProgress } from './progress';
import type { BackupRow, DrillRow } from './records';
import type { LiveRestoreResult } from './restore';

/**
 * Backups and drills under way on this workstation, by the id the view chose: progress (polled),
 * cancel, and for ten minutes how each ended. One at a time: a drill starts a whole server, and
 * two backups of one database only slow each other.
 */
const KEEP_ENDED_MS = 10 * 60_000;

export interface JobOutcome {
  backup: BackupRow | null;
  drill: DrillRow | null;
  restore?: LiveRestoreResult | null;
  error: { code: string; message: string } | null;
}

interface Job {
  controller: AbortController;
  progress: BackupProgress | null;
  ended: JobOutcome | null;
}

const jobs = new Map<string, Job>();

export function startBackupJob(id: string): Job | 'busy' | 'duplicate' {
  if (jobs.has(id)) return 'duplicate';
  if ([...jobs.values()].some((j) => !j.ended)) return 'busy';
  const job: Job = { controller: new AbortController(), progress: null, ended: null };
  jobs.set(id, job);
  return job;
}

export function endBackupJob(id: string, outcome: JobOutcome): void {
  const job = jobs.get(id);
  if (!job) return;
  job.ended = outcome;
  setTimeout(() => jobs.delete(id), KEEP_ENDED_MS).unref();
}

export function backupJobState(id: string): { running: boolean; progress: BackupProgress | null; ended: JobOutcome | null } {
  const job = jobs.get(id);
  return { running: Boolean(job && !job.ended), progress: job?.progress ?? null, ended: job?.ended ?? null };
}

export function cancelBackupJob(id: string): boolean {
  const job = jobs.get(id);
  if (!job || job.ended) return false;
  job.controller.abort();
  return true;
}
