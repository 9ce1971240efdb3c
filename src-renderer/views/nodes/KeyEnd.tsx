import type { NodeKey } from '../../../src-shared/contract/grid';
import { Time } from '../../components/Time';

type Standing = Pick<NodeKey, 'status' | 'expiresAt' | 'revokedAt' | 'revokedBy' | 'revokeReason' | 'graceUntil'>;

/**
 * When a key stops (or stopped) working, from its record: a revoked key shows when and by whom it
 * was revoked, not the expiry it will never reach; a rotated key the end of its grace period.
 * Shared by the node keys and customer API keys tables.
 */
export function KeyEnd({ k, mode = 'local' }: { k: Standing; mode?: 'relative' | 'local' }) {
  if (k.status === 'revoked' && k.revokedAt) {
    return (
      <span data-testid="key-end" data-end="revoked" title={k.revokeReason ? `Reason: ${k.revokeReason}` : undefined}>
        revoked <Time iso={k.revokedAt} /> by {k.revokedBy ?? <span className="faint">(not recorded)</span>}
      </span>
    );
  }
  if (k.graceUntil) {
    return (
      <span data-testid="key-end" data-end={k.status === 'grace' ? 'grace' : 'rotated'}>
        {k.status === 'grace' ? 'grace until ' : 'rotated out '}
        <Time iso={k.graceUntil} mode={k.status === 'grace' ? 'local' : 'relative'} />
      </span>
    );
  }
  if (!k.expiresAt) return <span data-testid="key-end">never</span>;
  return (
    <span data-testid="key-end" data-end={k.status === 'expired' ? 'expired' : 'expires'}>
      {k.status === 'expired' && 'expired '}
      <Time iso={k.expiresAt} mode={k.status === 'expired' ? 'relative' : mode} />
    </span>
  );
}
