import { type ReactNode, useState } from 'react';
import { McClientError } from '../bridge/client';
import { Dialog } from './Dialog';

/**
 * A change that needs a reason: the reason goes into the audit event. Ctrl+Enter applies; the
 * server's refusal (e.g. a lifecycle move that is not allowed) is shown in the dialog.
 */
export function ReasonDialog({
  title,
  children,
  confirmLabel,
  danger,
  placeholder,
  onSubmit,
  onClose,
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  placeholder?: string;
  onSubmit: (reason: string) => Promise<void>;
  onClose: () => void;
}) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (reason.trim().length < 3) return setError('Say why, in a few words (at least 3 characters).');
    setBusy(true);
    try {
      await onSubmit(reason.trim());
      onClose();
    } catch (err) {
      setError(err instanceof McClientError ? (err.fields.reason ?? err.message) : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
          e.preventDefault();
          void submit();
        }
      }}
    >
      <Dialog
        title={title}
        onClose={onClose}
        footer={
          <>
            <span className="hint">
              <kbd>Ctrl</kbd>+<kbd>Enter</kbd> apply
            </span>
            <button className="btn" onClick={onClose}>
              Cancel
            </button>
            <button className={`btn ${danger ? 'danger' : 'primary'}`} onClick={() => void submit()} disabled={busy} data-testid="reason-submit">
              {busy ? 'Working…' : confirmLabel}
            </button>
          </>
        }
      >
        {children}
        <label className={`field ${error ? 'invalid' : ''}`}>
          <span>Reason (recorded in the audit log)</span>
          <textarea
            autoFocus
            value={reason}
            placeholder={placeholder}
            onChange={(e) => {
              setReason(e.target.value);
              setError(null);
            }}
            data-testid="reason"
          />
          {error && <span className="err">{error}</span>}
        </label>
      </Dialog>
    </div>
  );
}
