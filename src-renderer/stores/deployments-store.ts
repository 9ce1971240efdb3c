import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText, subscribe } from '../bridge/client';

interface DeploymentsState {
  data: Response<'deployments.list'> | null;
  error: string | null;
  load(): Promise<void>;
}

export const useDeployments = create<DeploymentsState>((set) => ({
  data: null,
  error: null,
  async load() {
    try {
      set({ data: await call('deployments.list', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

/** Run changes reload at once; flag flips land in the change feed too. */
export function startDeploymentsLive(): () => void {
  const reload = () => void useDeployments.getState().load();
  const offs = [subscribe('deployments.changed', reload), subscribe('flags.changed', reload)];
  return () => offs.forEach((off) => off());
}
