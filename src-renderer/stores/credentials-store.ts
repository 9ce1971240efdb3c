import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { RotationRunDetail } from '../../src-shared/contract/credentials';
import { call, errorText, subscribe } from '../bridge/client';

interface CredentialsState {
  data: Response<'credentials.list'> | null;
  error: string | null;
  /** The run whose report is open. */
  run: RotationRunDetail | null;
  runError: string | null;
  load(): Promise<void>;
  loadRun(runId: string): Promise<void>;
  setRun(run: RotationRunDetail | null): void;
  clear(): void;
}

export const useCredentials = create<CredentialsState>((set) => ({
  data: null,
  error: null,
  run: null,
  runError: null,
  async load() {
    try {
      set({ data: await call('credentials.list', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async loadRun(runId) {
    try {
      set({ run: (await call('credentials.run', { runId })).run, runError: null });
    } catch (err) {
      set({ runError: errorText(err) });
    }
  },
  setRun(run) {
    set({ run });
  },
  clear() {
    set({ data: null, error: null, run: null, runError: null });
  },
}));

/** Every rotation step is audited: a new audit event is the cue to re-read (another admin's run). */
export function startCredentialsLive(): () => void {
  // A run appends an event per credential: one reload after they settle, not one per event.
  let timer: ReturnType<typeof setTimeout> | null = null;
  const stop = subscribe('audit.appended', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const s = useCredentials.getState();
      void s.load();
      if (s.run) void s.loadRun(s.run.id);
    }, 1500);
  });
  return () => {
    if (timer) clearTimeout(timer);
    stop();
  };
}
