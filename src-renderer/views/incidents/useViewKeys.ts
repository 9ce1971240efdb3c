import { useEffect, useRef } from 'react';
import { viewKey } from '../../app/shortcuts';

/** What each key does; a key left out, or mapped to null, is not the view's (it is not swallowed). */
export type KeyMap = Record<string, (() => void) | null | undefined>;

/**
 * Single-key shortcuts of a view, under the app's rules for view keys (see viewKey): not while
 * typing, in a dialog, with a modifier, or as the second key of a "g …" view switch.
 */
export function useViewKeys(keys: KeyMap): void {
  const current = useRef(keys);
  current.current = keys;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      // Enter on a focused button or link is that control's, not the view's.
      if (e.key === 'Enter' && (e.target as HTMLElement | null)?.closest?.('button, a')) return;
      const action = current.current[e.key];
      if (!action) return;
      e.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
