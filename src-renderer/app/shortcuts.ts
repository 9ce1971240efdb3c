import { useEffect } from 'react';
import { useSession } from '../stores/session-store';
import { useSystem } from '../stores/system-store';
import { useUi } from '../stores/ui-store';
import { ROUTES } from './routes';

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** True while a dialog or the palette has the keyboard; view shortcuts stand down. */
export function modalOpen(): boolean {
  const s = useUi.getState();
  return s.paletteOpen || s.helpOpen || document.querySelector('[role="dialog"]') !== null;
}

/**
 * App-wide keys: Ctrl/Cmd+K palette, ? help, "g" sequences and Alt+digit for views, Alt+T theme.
 * The Electron menu shows the same keys but leaves them to this handler, so both shells agree.
 */
export function useGlobalShortcuts(): void {
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      const ui = useUi.getState();
      // Ctrl/Cmd+L locks the screen from anywhere, even while typing; the main process decides the rest.
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'l') {
        e.preventDefault();
        if (useSystem.getState().info?.sessionClock?.state === 'active') void useSession.getState().lock();
        return;
      }
      // Nothing else while the lock screen covers the app.
      if (document.querySelector('[data-testid="lock-screen"]')) return;
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        ui.setPalette(!ui.paletteOpen);
        return;
      }
      if (isTyping(e.target) || modalOpen()) return;
      if (e.altKey && !e.ctrlKey && !e.metaKey) {
        const route = ROUTES.find((r) => r.digit && e.code === `Digit${r.digit}`);
        if (route) {
          e.preventDefault();
          ui.navigate(route.id);
          return;
        }
        if (e.code === 'KeyT') {
          e.preventDefault();
          ui.toggleTheme();
          return;
        }
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '?') {
        e.preventDefault();
        ui.setHelp(true);
        return;
      }
      // Shift pressed on its own (on its way to a capital) must not end a pending "g".
      if (e.key === 'Shift' || e.key === 'CapsLock') return;
      if (pendingG && Date.now() - pendingG < 1500) {
        pendingG = 0;
        // Exact first: a capital letter (Shift) reaches the later views (g R runbooks, g r corridors);
        // a lone capital with no view of its own still reaches its small-letter view.
        const route = ROUTES.find((r) => r.key === e.key) ?? ROUTES.find((r) => r.key === e.key.toLowerCase());
        if (route) {
          e.preventDefault();
          ui.navigate(route.id);
        }
        return;
      }
      if (e.key === 'g') pendingG = Date.now();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/*
 * The app shell reads "g" then a letter as a view switch ("g o" opens Operator). A view's own
 * single-letter keys must not also act on that letter: "g o" must not reopen the selected item.
 * This listener runs in the capture phase, before the views' own listeners, and notes whether the
 * key completes such a sequence, the same way the shell's handler decides it.
 */
let gAt = 0;
let completesSequence = false;
window.addEventListener(
  'keydown',
  (e) => {
    if (isTyping(e.target) || modalOpen() || e.ctrlKey || e.metaKey || e.altKey) return;
    const now = Date.now();
    completesSequence = gAt !== 0 && now - gAt < 1500;
    if (completesSequence) gAt = 0;
    else if (e.key === 'g') gAt = now;
  },
  true,
);

/** Whether a view's own shortcut may act on this key: not while typing, in a dialog, or mid "g …". */
export function viewKey(e: KeyboardEvent): boolean {
  return !(isTyping(e.target) || modalOpen() || e.ctrlKey || e.metaKey || e.altKey || completesSequence || e.key === 'g');
}
