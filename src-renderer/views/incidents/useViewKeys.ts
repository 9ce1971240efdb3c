import { useEffect, useRef } from 'react';
import { isTyping, modalOpen } from '../../app/shortcuts';

/** What each key does; a key left out, or mapped to null, is not the view's (it is not swallowed). */
export type KeyMap = Record<string, (() => void) | null | undefined>;

/**
 * Single-key shortcuts of a view: ignored while typing, while a dialog or the palette is open, with
 * a modifier held, and as the second key of a global "g" sequence ("g n" goes to Nodes; it must not
 * also open a new incident here).
 */
export function useViewKeys(keys: KeyMap): void {
  const current = useRef(keys);
  current.current = keys;
  useEffect(() => {
    let lastG = 0;
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || modalOpen() || e.ctrlKey || e.metaKey || e.altKey) return;
      if (lastG && Date.now() - lastG < 1500) {
        lastG = 0;
        return;
      }
      if (e.key === 'g') {
        lastG = Date.now();
        return;
      }
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
