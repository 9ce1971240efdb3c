import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText } from '../bridge/client';

type List = Response<'customers.list'>;

interface CustomersState {
  list: List | null;
  error: string | null;
  load(): Promise<void>;
  /** Another org's customers must never show, not even while a reload runs. */
  clear(): void;
}

export const useCustomers = create<CustomersState>((set) => ({
  list: null,
  error: null,
  async load() {
    try {
      set({ list: await call('customers.list', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  clear() {
    set({ list: null, error: null });
  },
}));
