import type { AuditAnchor } from '../../../src-shared/contract/audit';

const TONE: Record<AuditAnchor['state'], 'info' | 'warn' | 'bad'> = {
  anchored: 'info',
  first: 'info',
  tampered: 'bad',
  not_signed: 'warn',
  store_error: 'bad',
  unavailable: 'warn',
};

/**
 * The chain checked against this workstation's signed checkpoints (kept in its data folder, outside
 * the database). The message is the service's own words: it names the checkpoint it compared with.
 */
export function AnchorStatus({ anchor }: { anchor: AuditAnchor }) {
  return (
    <div className={`banner ${TONE[anchor.state]}`} role="status" data-testid="anchor-verdict" data-state={anchor.state}>
      <span>{anchor.message}</span>
      {anchor.fingerprint && (
        <span className="dim" data-testid="anchor-fingerprint" title="Compare with the key pinned for this workstation (ssh-keygen -lf prints the same form)">
          {' '}
          Checkpoint key <span className="hash">{anchor.fingerprint}</span>
        </span>
      )}
    </div>
  );
}
