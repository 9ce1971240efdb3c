import { create } from 'zustand';
import type { SessionStatus } from '../../src-shared/contract/session';
import { call, errorText } from '../bridge/client';
import { useSystem } from './system-store';

/**
 * The lock screen's and the top bar's side of the session clock. The main process decides (lock,
 * expiry); this store only shows what system.info / system.changed say, and asks.
 */
interface SessionUi {
  busy: boolean;
  error: string | null;
  fields: Record<string, string>;
  lock(): Promise<void>;
  unlockAsOsUser(name: string): Promise<boolean>;
  unlockWithProvider(): Promise<boolean>;
  handover(note: string): Promise<boolean>;
  signInAgain(): Promise<void>;
  clearError(): void;
}

export const sessionOf = (): SessionStatus | null => useSystem.getState().info?.sessionClock ?? null;

/** Apply an answer at once (system.changed follows and says the same). */
function show(status: SessionStatus): void {
  useSystem.setState((s) => (s.info ? { info: { ...s.info, sessionClock: status } } : {}));
}

async function run<T>(set: (p: Partial<SessionUi>) => void, fn: () => Promise<T>): Promise<T | null> {
  set({ busy: true, error: null, fields: {} });
  try {
    return await fn();
  } catch (err) {
    const e = err as { fields?: Record<string, string> };
    set({ error: errorText(err), fields: e.fields ?? {} });
    return null;
  } finally {
    set({ busy: false });
  }
}

/** The provider's page: the desktop opened it in the system browser; in the browser host a new tab does. */
async function providerSignIn<T>(profileId: string, finish: (attemptId: string) => Promise<T>): Promise<T> {
  const started = await call('identity.signInStart', { profileId });
  if (!started.openedInSystemBrowser) window.open(started.authorizationUrl, '_blank', 'noopener');
  return finish(started.attemptId);
}

export const useSession = create<SessionUi>((set) => ({
  busy: false,
  error: null,
  fields: {},
  clearError: () => set({ error: null, fields: {} }),
  async lock() {
    const s = await run(set, () => call('session.lock', {}));
    if (s) show(s);
  },
  async unlockAsOsUser(name) {
    const s = await run(set, () => call('session.unlock', { confirmOsUser: name }));
    if (s) show(s);
    return s !== null;
  },
  async unlockWithProvider() {
    const profileId = sessionOf()?.profileId;
    if (!profileId) return false;
    const s = await run(set, () => providerSignIn(profileId, (attemptId) => call('session.unlock', { attemptId })));
    if (s) show(s);
    return s !== null;
  },
  async handover(note) {
    const s = await run(set, () => call('session.handover', note.trim() ? { note } : {}));
    if (s) show(s);
    return s !== null;
  },
  /** After expiry or handover: the usual sign-in of the profile (the OS user offline, else the provider). */
  async signInAgain() {
    const st = sessionOf();
    const profileId = st?.profileId;
    if (!profileId) return;
    await run(set, async () => {
      if (st.unlockWith === 'os-user') await call('connections.activate', { id: profileId });
      else await providerSignIn(profileId, (attemptId) => call('identity.signInFinish', { attemptId }));
      await useSystem.getState().load();
    });
  },
}));

const THROTTLE_MS = 30_000;

/**
 * Input events postpone the idle lock: the main process hears about them at most every 30 s (a
 * bounded report, never a decision here). Stops reporting while locked or signed out.
 */
export function startActivityReporter(): () => void {
  let last = 0;
  const onInput = () => {
    const now = Date.now();
    if (now - last < THROTTLE_MS) return;
    if (sessionOf()?.state !== 'active' || useSystem.getState().info?.readOnly) return;
    last = now;
    call('session.activity', {})
      .then((r) => {
        const cur = sessionOf();
        if (cur && (cur.state !== r.state || cur.locksAt !== r.locksAt)) show({ ...cur, locksAt: r.locksAt });
      })
      .catch(() => undefined);
  };
  const events = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;
  for (const e of events) window.addEventListener(e, onInput, { passive: true, capture: true });
  return () => {
    for (const e of events) window.removeEventListener(e, onInput, { capture: true });
  };
}
