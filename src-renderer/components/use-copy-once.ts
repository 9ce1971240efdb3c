import { useState } from 'react';

/**
 * A secret shown once (a node key, an invitation code): Copy puts it on the clipboard, and closing
 * before it was copied asks first ("Close without copying"), so it is not lost by a stray Esc.
 */
export function useCopyOnce(secret: string, onClose: () => void) {
  const [copied, setCopied] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  const close = () => (copied || confirmClose ? onClose() : setConfirmClose(true));
  return { copied, unconfirmed: confirmClose && !copied, copy, close };
}
