import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { IdentityProvider } from '../../src-shared/contract/identity';
import { call, errorText } from '../bridge/client';

interface IdentityState {
  /** The provider settings of the profile last loaded, and the redirect URI pattern to allow-list. */
  provider: Response<'identity.provider'> | null;
  profileId: string | null;
  error: string | null;
  load(profileId: string): Promise<void>;
  /** Throws the contract's error (with its fields) so the form can mark them. */
  save(profileId: string, provider: IdentityProvider | null): Promise<void>;
}

export const useIdentity = create<IdentityState>((set, get) => ({
  provider: null,
  profileId: null,
  error: null,
  async load(profileId) {
    try {
      set({ provider: await call('identity.provider', { profileId }), profileId, error: null });
    } catch (err) {
      set({ provider: null, profileId, error: errorText(err) });
    }
  },
  async save(profileId, provider) {
    await call('identity.setProvider', { profileId, provider });
    await get().load(profileId);
  },
}));
