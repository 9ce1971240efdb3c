import { useEffect } from 'react';

/**
 * Load now and every `ms` while the view is shown (a panel of live figures); the timer stops when
 * it unmounts. `load` should be stable (useCallback) or the timer restarts on every render.
 */
export function usePoll(load: () => unknown, ms: number): void {
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), ms);
    return () => clearInterval(t);
  }, [load, ms]);
}
