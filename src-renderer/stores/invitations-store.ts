import { create } from 'zustand';
import type { Invitation } from '../../src-shared/contract/identity';
import { call, errorText } from '../bridge/client';

interface InvitationsState {
  invitations: Invitation[] | null;
  error: string | null;
  load(): Promise<void>;
}

/** The org's invitations (admins only). The codes are never here: a code is shown once, in the dialog that created it. */
export const useInvitations = create<InvitationsState>((set) => ({
  invitations: null,
  error: null,
  async load() {
    try {
      set({ invitations: (await call('invitations.list', {})).invitations, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));
