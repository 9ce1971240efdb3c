import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { Backup, RestoreDrill, RestoreResult } from '../../src-shared/contract/backups';
import { isCallTimeout } from '../bridge/call-timeout';
import { call, errorText, McClientError } from '../bridge/client';

type Overview = Response<'backups.overview'>;
type Progress = Response<'backups.progress'>;

interface BackupsState {
  overview: Overview | null;
  error: string | null;
  /** The backup or drill under way (one at a time on a workstation). */
  job: { id: string; kind: 'backup' | 'drill' | 'restore'; backupId: string | null } | null;
  progress: Progress | null;
  jobError: string | null;
  /** The drill whose result is open (the newest one run here, or one picked from the list). */
  shownDrill: RestoreDrill | null;
  /** The last restore over the live database run here (what was restored, lost and kept aside). */
  shownRestore: RestoreResult | null;
  load(): Promise<void>;
  restore(backupId: string, opts: { confirm: string; incidentId?: string; reason?: string }): Promise<RestoreResult | null>;
  showRestore(r: RestoreResult | null): void;
  backUp(folder: string): Promise<Backup | null>;
  drill(backupId: string): Promise<RestoreDrill | null>;
  cancel(): void;
  showDrill(d: RestoreDrill | null): void;
  clear(): void;
}

let seq = 0;

/** Run a job: the call returns when it ends; the browser host's may give up first, so poll until it says how it ended. */
async function runJob<T>(id: string, start: () => Promise<T>, pick: (p: Progress) => T | null): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (!isCallTimeout(err)) throw err;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const p = await call('backups.progress', { jobId: id });
      const done = pick(p);
      if (done) return done;
      if (p.error) throw new McClientError({ code: p.error.code as never, message: p.error.message });
      if (!p.running) throw err;
    }
  }
}

export const useBackups = create<BackupsState>((set, get) => {
  let timer: ReturnType<typeof setInterval> | null = null;
  const poll = (id: string) => {
    if (timer) clearInterval(timer);
    timer = setInterval(() => void call('backups.progress', { jobId: id }).then((p) => get().job?.id === id && set({ progress: p }), () => undefined), 400);
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  /** One job at a time: progress polled while it runs, the list reloaded after, its error kept for the view. */
  const job = async <T,>(kind: NonNullable<BackupsState['job']>['kind'], backupId: string | null, reset: Partial<BackupsState>, run: (id: string) => Promise<T>): Promise<T | null> => {
    if (get().job) return null;
    const id = crypto.randomUUID();
    set({ job: { id, kind, backupId }, progress: null, jobError: null, ...reset });
    poll(id);
    try {
      const out = await run(id);
      await get().load();
      return out;
    } catch (err) {
      set({ jobError: errorText(err) });
      return null;
    } finally {
      stop();
      set({ job: null, progress: null });
    }
  };
  return {
    overview: null,
    error: null,
    job: null,
    progress: null,
    jobError: null,
    shownDrill: null,
    shownRestore: null,
    async load() {
      const mine = ++seq;
      try {
        const overview = await call('backups.overview', {});
        if (mine === seq) set({ overview, error: null });
      } catch (err) {
        if (mine === seq) set({ error: errorText(err) });
      }
    },
    backUp(folder) {
      return job('backup', null, {}, (id) => runJob(id, () => call('backups.run', { jobId: id, folder }), (p) => p.backup));
    },
    async drill(backupId) {
      const d = await job('drill', backupId, { shownDrill: null }, (id) => runJob(id, () => call('backups.drill', { jobId: id, backupId }), (p) => p.drill));
      if (d) set({ shownDrill: d });
      return d;
    },
    async restore(backupId, opts) {
      const r = await job('restore', backupId, { shownRestore: null }, (id) =>
        runJob(
          id,
          () => call('backups.restore', { jobId: id, backupId, confirm: opts.confirm, ...(opts.incidentId ? { incidentId: opts.incidentId } : {}), ...(opts.reason ? { reason: opts.reason } : {}) }),
          (p) => p.restore,
        ),
      );
      if (r) set({ shownRestore: r });
      return r;
    },
    showRestore(r) {
      set({ shownRestore: r });
    },
    cancel() {
      const job = get().job;
      if (job) void call('backups.cancel', { jobId: job.id });
    },
    showDrill(d) {
      set({ shownDrill: d });
    },
    clear() {
      seq++;
      set({ overview: null, error: null, shownDrill: null, shownRestore: null, jobError: null });
    },
  };
});
