import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import { call, errorText, subscribe } from '../bridge/client';

interface MembersState {
  data: Response<'members.list'> | null;
  error: string | null;
  review: Response<'members.accessReview'> | null;
  reviewError: string | null;
  load(): Promise<void>;
  loadReview(): Promise<void>;
}

export const useMembers = create<MembersState>((set) => ({
  data: null,
  error: null,
  review: null,
  reviewError: null,
  async load() {
    try {
      set({ data: await call('members.list', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async loadReview() {
    try {
      set({ review: await call('members.accessReview', {}), reviewError: null });
    } catch (err) {
      set({ review: null, reviewError: errorText(err) });
    }
  },
}));

/** Member changes are audited, so a new audit event is the cue to re-read (another admin's change). */
export function startMembersLive(): () => void {
  return subscribe('audit.appended', () => {
    const s = useMembers.getState();
    void s.load();
    if (s.review) void s.loadReview();
  });
}
