import type { BundleProgress } from './bundle';

/**
 * Exports on this workstation, by the id the renderer chose: their progress (polled), a way to
 * cancel, and for a few minutes after, how they ended. The browser host's calls give up after
 * 30 s while a large export runs for minutes, so the page learns the outcome by polling. At most
 * MAX_RUNNING run at once: each holds a read transaction, then a staging folder.
 */
export const MAX_RUNNING = 2;
const KEEP_ENDED_MS = 10 * 60_000;

export interface Outcome<R> {
  result: R | null;
  error: { code: string; message: string } | null;
}

interface Job {
  controller: AbortController;
  progress: BundleProgress | null;
  ended: Outcome<unknown> | null;
}

const jobs = new Map<string, Job>();

export function startJob(id: string): Job | 'busy' | 'duplicate' {
  if (jobs.has(id)) return 'duplicate';
  if ([...jobs.values()].filter((j) => !j.ended).length >= MAX_RUNNING) return 'busy';
  const job: Job = { controller: new AbortController(), progress: null, ended: null };
  jobs.set(id, job);
  return job;
}

export function endJob(id: string, outcome: Outcome<unknown>): void {
  const job = jobs.get(id);
  if (!job) return;
  job.ended = outcome;
  setTimeout(() => jobs.delete(id), KEEP_ENDED_MS).unref();
}

export function jobState(id: string): { running: boolean; progress: BundleProgress | null; ended: Outcome<unknown> | null } {
  const job = jobs.get(id);
  return { running: Boolean(job && !job.ended), progress: job?.progress ?? null, ended: job?.ended ?? null };
}

export function cancelJob(id: string): boolean {
  const job = jobs.get(id);
  if (!job || job.ended) return false;
  job.controller.abort();
  return true;
}
