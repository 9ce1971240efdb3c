import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A modal dialog: Esc closes it, focus starts inside and returns where it was, and Tab stays in it.
 */
/** Open dialogs, newest last: Esc closes the newest only. */
const open: symbol[] = [];

export function Dialog({ title, onClose, children, footer, label }: { title: string; onClose: () => void; children: ReactNode; footer: ReactNode; label?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('[autofocus], input, textarea, select, button');
    first?.focus();
    // On the window, not the dialog: focus can leave the dialog (a button disabled while a call
    // runs drops it on the page), and Esc must still close it.
    const me = Symbol('dialog');
    open.push(me);
    const onEsc = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || open.at(-1) !== me) return;
      e.stopPropagation();
      close.current();
    };
    window.addEventListener('keydown', onEsc, true);
    return () => {
      window.removeEventListener('keydown', onEsc, true);
      open.splice(open.indexOf(me), 1);
      previous?.focus?.();
    };
  }, []);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Tab' && ref.current) {
      const items = [...ref.current.querySelectorAll<HTMLElement>('input, textarea, select, button, a[href]')].filter((el) => !el.hasAttribute('disabled'));
      const first = items[0];
      const last = items[items.length - 1];
      if (!first || !last) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={label ?? title} ref={ref} onKeyDown={onKeyDown}>
        <header>{title}</header>
        <div className="body">{children}</div>
        <footer>{footer}</footer>
      </div>
    </div>
  );
}

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose} autoFocus>
            Cancel
          </button>
          <button className={`btn ${danger ? 'danger' : 'primary'}`} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}
