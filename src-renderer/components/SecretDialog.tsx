import { Dialog } from './Dialog';
import { useCopyOnce } from './use-copy-once';

/**
 * A node key, shown this once. It is not stored anywhere (only its hash is), so the dialog insists
 * it is copied before it can be closed without a second thought.
 */
export function SecretDialog({ title, secret, note, onClose }: { title: string; secret: string; note: string; onClose: () => void }) {
  const { copied, unconfirmed, copy, close } = useCopyOnce(secret, onClose);
  return (
    <Dialog
      title={title}
      onClose={close}
      footer={
        <>
          <button className="btn" onClick={() => void copy()} data-testid="copy-secret">
            {copied ? 'Copied' : 'Copy key'}
          </button>
          <button className="btn primary" onClick={close}>
            {unconfirmed ? 'Close without copying' : 'Done'}
          </button>
        </>
      }
    >
      <p>{note}</p>
      <code className="secret" data-testid="secret" tabIndex={0}>
        {secret}
      </code>
      <p className="err">This is the only time the key is shown. Mission Control keeps only its hash; if it is lost, rotate the key.</p>
      {unconfirmed && <p className="err">You have not copied the key. Close anyway?</p>}
    </Dialog>
  );
}
