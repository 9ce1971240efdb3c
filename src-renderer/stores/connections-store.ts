import { create } from 'zustand';
import type { Profile, ProfileFields, TestResult } from '../../src-shared/contract/connections';
import type { Request, Response } from '../../src-shared/contract';
import { call, errorText } from '../bridge/client';

type ActiveStatus = Response<'connections.status'>;

interface ConnectionsState {
  profiles: Profile[];
  status: ActiveStatus | null;
  error: string | null;
  busy: string | null;
  tests: Record<string, TestResult | undefined>;
  load(): Promise<void>;
  refreshStatus(): Promise<void>;
  save(id: string | undefined, fields: ProfileFields, password: string | undefined): Promise<Profile>;
  setOperator(id: string, operatorEmail: string): Promise<Profile>;
  remove(id: string): Promise<void>;
  test(key: string, request: { id: string } | { draft: ProfileFields; password?: string; id?: string }): Promise<TestResult>;
  activate(id: string): Promise<Profile>;
  /** On a database with no org: create it, with the person at the keyboard as its first admin. */
  createOrg(request: Request<'connections.createOrg'>): Promise<Profile>;
}

export const useConnections = create<ConnectionsState>((set, get) => ({
  profiles: [],
  status: null,
  error: null,
  busy: null,
  tests: {},
  async load() {
    try {
      const [{ profiles }, status] = await Promise.all([call('connections.list', {}), call('connections.status', {})]);
      set({ profiles, status, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async refreshStatus() {
    set({ status: await call('connections.status', {}) });
  },
  async save(id, fields, password) {
    const { profile } = await call('connections.save', { ...(id ? { id } : {}), fields, ...(password ? { password } : {}) });
    await get().load();
    return profile;
  },
  async createOrg(request) {
    const { profile } = await call('connections.createOrg', request);
    await get().load();
    return profile;
  },
  async setOperator(id, operatorEmail) {
    const { profile } = await call('connections.setOperator', { id, operatorEmail });
    await get().load();
    return profile;
  },
  async remove(id) {
    await call('connections.delete', { id });
    await get().load();
  },
  async test(key, request) {
    set({ busy: `test:${key}` });
    try {
      const result = await call('connections.test', request);
      set({ tests: { ...get().tests, [key]: result } });
      return result;
    } finally {
      set({ busy: null });
    }
  },
  async activate(id) {
    set({ busy: `activate:${id}` });
    try {
      const { profile } = await call('connections.activate', { id });
      await get().load();
      return profile;
    } finally {
      set({ busy: null });
    }
  },
}));
