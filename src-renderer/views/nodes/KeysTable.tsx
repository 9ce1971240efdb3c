import type { NodeKey } from '../../../src-shared/contract/grid';
import { Id } from '../../components/Id';
import { Time } from '../../components/Time';
import type { useKeyActions } from './KeyActions';
import { KeyEnd } from './KeyEnd';
import { KeyStatus } from './KeyStatus';

/** Keys with their standing and use, and rotate / revoke; on a node's page and on the keys page. */
export function KeysTable({
  keys,
  actions,
  write,
  onNode,
  limit = 1000,
}: {
  keys: NodeKey[];
  actions: ReturnType<typeof useKeyActions>;
  write: boolean;
  /** Show the node column, linking to the node (the keys page). */
  onNode?: (nodeId: string) => void;
  limit?: number;
}) {
  return (
    <>
      <table className="grid">
        <thead>
          <tr>
            <th>Key</th>
            {onNode && <th>Node</th>}
            <th>Status</th>
            <th>Label</th>
            <th>Created</th>
            <th title="When the key stops working: its expiry, the end of its grace period, or when it was revoked and by whom">Ends</th>
            <th>Last used</th>
            <th className="num">Uses</th>
            <th className="num">Refused</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.slice(0, limit).map((k) => (
            <tr key={k.id} data-testid={`key-${k.prefix}`}>
              <td className="mono">{k.prefix}…</td>
              {onNode && (
                <td>
                  <a
                    href={`#/nodes/${k.nodeId}`}
                    className="mono"
                    onClick={(e) => {
                      e.preventDefault();
                      onNode(k.nodeId);
                    }}
                  >
                    <Id value={k.hostname} />
                  </a>
                </td>
              )}
              <td>
                <KeyStatus k={k} />
              </td>
              <td>{k.label || <span className="faint">—</span>}</td>
              <td className="dim">
                <Time iso={k.createdAt} /> {k.createdBy && `· ${k.createdBy}`}
              </td>
              <td className="dim">
                <KeyEnd k={k} />
              </td>
              <td className="dim">
                {k.lastUsedAt ? (
                  <>
                    <Time iso={k.lastUsedAt} /> · {k.lastUsedSource}
                  </>
                ) : (
                  'never'
                )}
              </td>
              <td className="num">{k.useCount}</td>
              <td className={`num ${k.rejectedCalls ? 'err' : ''}`}>{k.rejectedCalls}</td>
              <td>
                <div className="row-actions">
                  <button className="btn small" disabled={!write || k.status !== 'active'} onClick={() => actions.rotate(k)}>
                    Rotate
                  </button>
                  <button className="btn small danger" disabled={!write || k.status === 'revoked'} onClick={() => actions.revoke(k)}>
                    Revoke
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys.length > limit && <div className="body dim">Showing the first {limit.toLocaleString()} of {keys.length.toLocaleString()}. Open a node to see its keys.</div>}
    </>
  );
}
