import type { NodeKey } from '../../../src-shared/contract/grid';

const LABELS: Record<NodeKey['status'], string> = {
  active: 'Active',
  grace: 'Rotated (grace)',
  rotated_out: 'Rotated out',
  revoked: 'Revoked',
  expired: 'Expired',
};

export function KeyStatus({ k }: { k: NodeKey }) {
  const cls = k.status === 'active' ? 'ok' : k.status === 'grace' ? 'warn' : 'bad';
  return (
    <span className={`pill ${cls}`} data-status={k.status}>
      {LABELS[k.status]}
      {k.stale ? ' · stale' : ''}
    </span>
  );
}
