import type { Response } from '../../../src-shared/contract';
import { Time } from '../../components/Time';

type Pending = Response<'credentials.list'>['pendingSwitch'];

/** Nodes given a new key by a run that have not presented it yet. */
export function PendingSwitchPanel({ pending }: { pending: Pending }) {
  if (pending.length === 0) return null;
  return (
    <section className="panel" data-testid="credentials-pending-switch">
      <header>
        Nodes not switched yet <span className="dim">· {pending.length} · a node switches when it first presents its new key</span>
      </header>
      <table className="grid">
        <thead>
          <tr>
            <th>Node</th>
            <th>New key</th>
            <th>Old key</th>
            <th>Old key last used</th>
          </tr>
        </thead>
        <tbody>
          {pending.map((p) => (
            <tr key={p.nodeId}>
              <td>{p.hostname}</td>
              <td className="mono">{p.newPrefix}…</td>
              <td className={p.oldStillWorks ? 'warn' : 'err'}>
                <span className="mono">{p.oldPrefix}…</span> {p.oldStillWorks ? 'still works (grace)' : 'stopped: node is silent until it gets the new key'}
              </td>
              <td>{p.oldLastUsedAt ? <Time iso={p.oldLastUsedAt} /> : <span className="dim">never</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
