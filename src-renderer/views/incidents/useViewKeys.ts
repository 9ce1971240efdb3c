import { useEffect, useRef } from 'react';
import { isTyping, modalOpen } from '../../app/shortcuts';

/**
 * Single-key shortcuts of a view: ignored while typing, while a dialog or the palette is open, with
 * a modifier held, and as the second key of a global "g" sequence ("g n" goes to Nodes; it must not
 * also open a new incident here).
 */
export function useViewKeys(handler: (key: string, e: KeyboardEvent) => boolean): void {
  const current = useRef(handler);
  current.current = handler;
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
      if (current.current(e.key, e)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
