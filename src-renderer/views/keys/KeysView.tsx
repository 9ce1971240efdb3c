import { useEffect } from 'react';
import type { NodeKey } from '../../../src-shared/contract/grid';
import { viewKey } from '../../app/shortcuts';
import { EmptyState, ErrorState } from '../../components/States';
import { Id } from '../../components/Id';
import { Time } from '../../components/Time';
import { startKeysLive, useKeys } from '../../stores/keys-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { useKeyActions } from '../nodes/KeyActions';
import { KeysTable } from '../nodes/KeysTable';
import { CustomerKeys } from './CustomerKeys';

const REASONS: Record<string, string> = {
  key_malformed: 'Not a node key',
  key_invalid: 'Unknown key',
  key_revoked: 'Revoked key',
  key_expired: 'Expired key',
  key_rotated_out: 'Rotated-out key',
  node_retired: 'Retired node',
  batch_invalid: 'Malformed batch',
  batch_too_large: 'Batch too large',
  sample_invalid: 'Invalid samples',
};

/**
 * /nodes/keys: every key, its standing and use, and what was refused. The check at the top answers
 * the daily checklist's "confirm no stale or revoked key is still used".
 */
export function KeysView() {
  const { data, staleDays, error, setStaleDays } = useKeys();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const write = canWrite(info);
  const actions = useKeyActions(() => void useKeys.getState().load());
  const session = info?.session;

  useEffect(() => startKeysLive(), []);
  useEffect(() => {
    if (session) void useKeys.getState().load();
  }, [session?.orgId, epoch]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      if (e.key === 'r') {
        e.preventDefault();
        void useKeys.getState().load();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!session) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Keys</h1>
        </div>
        <EmptyState title="No org to show">Node keys and customer API keys appear once Mission Control is connected and signed in to an org.</EmptyState>
      </div>
    );
  }
  if (error && !data) return <div className="view"><ErrorState title="Could not load node keys" message={error} /></div>;
  if (!data) return <div className="view dim">Loading…</div>;

  const refusedStill = data.keys.filter((k) => k.status !== 'active' && k.status !== 'grace' && k.lastRejectedAt && k.lastRejectedAt >= data.check.since);
  const stale = data.keys.filter((k) => k.stale);

  return (
    <div className="view">
      <div className="view-head">
        <h1>Keys</h1>
        <span className="sub">
          {data.keys.length} node keys · {data.keys.filter((k) => k.status === 'active' || k.status === 'grace').length} valid
        </span>
        <div className="actions">
          <label className="dim">
            Stale after{' '}
            <select value={staleDays} onChange={(e) => setStaleDays(Number(e.target.value))} aria-label="Stale after">
              {[7, 14, 30, 60, 90].map((d) => (
                <option key={d} value={d}>
                  {d} days
                </option>
              ))}
            </select>{' '}
            unused
          </label>
        </div>
      </div>

      <div className={`check ${data.check.ok ? 'ok' : 'bad'}`} data-testid="keys-check" data-ok={data.check.ok}>
        <div>
          <div className="big">{/* The daily item is about node keys; customer keys have their own flags in their panel below. */}
            {data.check.ok ? 'No stale or revoked node key is still used' : 'Node keys need attention'}</div>
          <div className="dim">
            Daily checklist: {data.check.staleKeys} stale key{data.check.staleKeys === 1 ? '' : 's'} (valid, unused for {staleDays} days) ·{' '}
            {data.check.refusedKeysStillPresented} revoked, expired or rotated-out key{data.check.refusedKeysStillPresented === 1 ? '' : 's'} presented since{' '}
            <Time iso={data.check.since} mode="local" /> · {data.nodesWithoutValidKey.length} node{data.nodesWithoutValidKey.length === 1 ? '' : 's'} without a valid key
          </div>
        </div>
      </div>

      <div className="stack">
        {refusedStill.length > 0 && (
          <KeyTable title="Refused keys still presented" keys={refusedStill} actions={actions} write={write.ok} onNode={(id) => navigate('nodes', id)} />
        )}
        {stale.length > 0 && <KeyTable title={`Stale keys (unused for ${staleDays} days)`} keys={stale} actions={actions} write={write.ok} onNode={(id) => navigate('nodes', id)} />}
        {data.nodesWithoutValidKey.length > 0 && (
          <section className="panel" data-testid="nodes-without-key">
            <header>Nodes without a valid key</header>
            <div className="body">
              {data.nodesWithoutValidKey.map((n) => (
                <button key={n.nodeId} className="btn small ghost" onClick={() => navigate('nodes', n.nodeId)}>
                  <span className="mono">{n.hostname}</span> <span className="faint">({n.lifecycle})</span>
                </button>
              ))}
            </div>
          </section>
        )}

        <section className="panel" data-testid="rejections">
          <header>Refused calls</header>
          {data.rejections.length === 0 && data.unattributed.length === 0 ? (
            <div className="body dim">No refused ingest call has been recorded.</div>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Why</th>
                  <th>Key</th>
                  <th>Node</th>
                  <th>From</th>
                  <th className="num">Calls</th>
                  <th>First</th>
                  <th>Last</th>
                  <th>Detail</th>
                </tr>
              </thead>
              <tbody>
                {data.unattributed.map((u) => (
                  <tr key={`u-${u.reason}`}>
                    <td>{REASONS[u.reason] ?? u.reason}</td>
                    <td className="faint">unknown</td>
                    <td className="faint">—</td>
                    <td className="dim">{u.sources} source{u.sources === 1 ? '' : 's'} (platform-wide)</td>
                    <td className="num">{u.calls}</td>
                    <td />
                    <td className="dim">
                      <Time iso={u.lastSeenAt} />
                    </td>
                    <td className="faint">keys nobody issued; not attributable to an org</td>
                  </tr>
                ))}
                {data.rejections.map((r, i) => (
                  <tr key={i}>
                    <td>{REASONS[r.reason] ?? r.reason}</td>
                    <td className="mono">{r.keyPrefix ? `${r.keyPrefix}…` : '—'}</td>
                    <td className="mono">{r.hostname ? <Id value={r.hostname} /> : '—'}</td>
                    <td className="dim">{r.source}</td>
                    <td className="num">{r.count}</td>
                    <td className="dim">
                      <Time iso={r.firstSeenAt} />
                    </td>
                    <td className="dim">
                      <Time iso={r.lastSeenAt} />
                    </td>
                    <td className="dim">{r.lastDetail ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        {/* Customer keys before the list of every node key: below a grid's hundreds of node keys they were out of reach. */}
        <CustomerKeys staleDays={staleDays} epoch={epoch} changed={data} />
        <KeyTable title="All node keys" keys={data.keys} actions={actions} write={write.ok} onNode={(id) => navigate('nodes', id)} testId="all-keys" />
      </div>
      {actions.dialogs}
    </div>
  );
}

function KeyTable({
  title,
  keys,
  actions,
  write,
  onNode,
  testId,
}: {
  title: string;
  keys: NodeKey[];
  actions: ReturnType<typeof useKeyActions>;
  write: boolean;
  onNode: (id: string) => void;
  testId?: string;
}) {
  return (
    <section className="panel" data-testid={testId}>
      <header>
        {title} <span className="faint">({keys.length})</span>
      </header>
      <KeysTable keys={keys} actions={actions} write={write} onNode={onNode} />
    </section>
  );
}
