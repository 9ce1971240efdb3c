import { useEffect, useState } from 'react';
import { viewKey } from '../app/shortcuts';
import { errorText } from '../bridge/client';
import { useSystem } from '../stores/system-store';
import { useUi } from '../stores/ui-store';

/**
 * What the change-control views (Deployments, Flags, Migrations) share: live updates while shown,
 * a reload when the org or connection changes, `r` to reload and `n` to focus the view's "new"
 * field, and one way to run a command (busy while it runs, a toast either way, then a reload).
 */
export function useChangeView(opts: { live: () => () => void; load: () => Promise<void>; newFieldId?: string }) {
  const session = useSystem((s) => s.info?.session);
  const epoch = useSystem((s) => s.epoch);
  const toast = useUi((s) => s.toast);
  const [busy, setBusy] = useState(false);

  useEffect(() => opts.live(), []);
  useEffect(() => {
    if (session) void opts.load();
  }, [session?.orgId, epoch]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      if (e.key === 'r') {
        e.preventDefault();
        void opts.load();
      } else if (e.key === 'n' && opts.newFieldId) {
        e.preventDefault();
        document.getElementById(opts.newFieldId)?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const act = async (what: () => Promise<unknown>, ok: string) => {
    setBusy(true);
    try {
      await what();
      toast('ok', ok);
      await opts.load();
    } catch (err) {
      toast('error', errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, act, toast };
}
