import type { BundleProgress } from './bundle';

/**
 * Exports under way on this workstation, by the id the renderer chose: their progress (polled) and
 * a way to cancel. At most MAX_RUNNING at once: each holds a read transaction and a staging folder.
 */
export const MAX_RUNNING = 2;

interface Job {
  controller: AbortController;
  progress: BundleProgress | null;
}

const jobs = new Map<string, Job>();

export function startJob(id: string): Job | 'busy' | 'duplicate' {
  if (jobs.has(id)) return 'duplicate';
  if (jobs.size >= MAX_RUNNING) return 'busy';
  const job: Job = { controller: new AbortController(), progress: null };
  jobs.set(id, job);
  return job;
}

export function endJob(id: string): void {
  jobs.delete(id);
}

export function jobProgress(id: string): BundleProgress | null {
  return jobs.get(id)?.progress ?? null;
}

export function isRunning(id: string): boolean {
  return jobs.has(id);
}

export function cancelJob(id: string): boolean {
  const job = jobs.get(id);
  if (!job) return false;
  job.controller.abort();
  return true;
}
