import { create } from 'zustand';
import type { SystemInfo } from '../../src-shared/contract/system';
import { transport } from '../bridge';
import type { TransportState } from '../bridge/ws-bridge';
import { call, errorText, subscribe } from '../bridge/client';

interface SystemState {
  info: SystemInfo | null;
  transport: TransportState;
  error: string | null;
  /** Bumped whenever views must reload because live updates may have been missed. */
  epoch: number;
  load(): Promise<void>;
}

export const useSystem = create<SystemState>((set, get) => ({
  info: null,
  transport: transport.state(),
  error: null,
  epoch: 0,
  async load() {
    try {
      set({ info: await call('system.info', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

/** Wire the store to the transport and the system.changed topic; call once at start-up. */
export function startSystemStore(): void {
  const bump = () => useSystem.setState((s) => ({ epoch: s.epoch + 1 }));
  transport.onState((state, reconnected) => {
    useSystem.setState({ transport: state });
    if (state === 'open' && reconnected) {
      void useSystem.getState().load();
      bump();
    }
  });
  subscribe('system.changed', ({ info, resync }) => {
    useSystem.setState({ info, error: null });
    if (resync) bump();
  });
  void useSystem.getState().load();
}

export function canWrite(info: SystemInfo | null): { ok: boolean; why: string | null } {
  if (!info) return { ok: false, why: 'Not connected yet.' };
  if (info.readOnly) return { ok: false, why: 'This display is read-only (wall-display mode).' };
  if (!info.session) return { ok: false, why: info.database.message ?? 'Not signed in to an org.' };
  if (info.session.role === 'auditor') return { ok: false, why: 'Auditors can read and export, not change.' };
  return { ok: true, why: null };
}
