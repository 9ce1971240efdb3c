import { isTyping, modalOpen } from '../../app/shortcuts';

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
