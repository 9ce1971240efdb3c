import { useEffect } from 'react';
import { ROLE_LABELS, type Role } from '../../../src-shared/contract/roles';
import { viewKey } from '../../app/shortcuts';
import { EmptyState, ErrorState } from '../../components/States';
import { Time } from '../../components/Time';
import { startAuditLive, useAudit } from '../../stores/audit-store';
import { useSystem } from '../../stores/system-store';

/** "node fra-01-gpu01: active → draining", from whatever the event's data names. */
function describeTarget(e: { target: { type: string }; data: Record<string, unknown> }): string {
  const name = ['hostname', 'key', 'name', 'prefix'].map((k) => e.data[k]).find((v) => typeof v === 'string');
  const from = e.data.from;
  const to = e.data.to;
  const move = typeof from === 'string' && typeof to === 'string' ? `: ${from} → ${to}` : '';
  return `${e.target.type.replace('_', ' ')}${name ? ` ${String(name)}` : ''}${move}`;
}

function highlightedSeq(): number | null {
  const m = /[?&]seq=(\d+)/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

export function AuditView() {
  const { events, headSeq, loaded, error, verdict, verifying } = useAudit();
  const session = useSystem((s) => s.info?.session);
  const epoch = useSystem((s) => s.epoch);
  const focus = highlightedSeq();

  useEffect(() => startAuditLive(), []);
  useEffect(() => {
    if (session) void useAudit.getState().load();
  }, [session?.orgId, epoch]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e)) return;
      if (e.key === 'v') {
        e.preventDefault();
        void useAudit.getState().verify();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (focus !== null) document.getElementById(`audit-${focus}`)?.scrollIntoView({ block: 'center' });
  }, [focus, events.length]);

  if (!session) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Audit log</h1>
        </div>
        <EmptyState title="No org to show">The audit log appears once Mission Control is connected and signed in to an org.</EmptyState>
      </div>
    );
  }

  return (
    <div className="view">
      <div className="view-head">
        <h1>Audit log</h1>
        <span className="sub">
          {headSeq} event{headSeq === 1 ? '' : 's'} in {session.orgName}’s chain
        </span>
        <div className="actions">
          <button className="btn" onClick={() => void useAudit.getState().verify()} disabled={verifying} data-testid="verify-chain" title="Recompute every hash (v)">
            {verifying ? 'Verifying…' : 'Verify chain'}
          </button>
        </div>
      </div>

      {verdict && (
        <div className={`banner ${verdict.ok ? 'info' : 'bad'}`} role="status" data-testid="verdict" data-ok={verdict.ok}>
          {verdict.ok ? (
            <span>
              Chain intact: {verdict.checked} event{verdict.checked === 1 ? '' : 's'} recomputed, head #{verdict.headSeq} <span className="hash">{verdict.headHash.slice(0, 16)}…</span>
            </span>
          ) : (
            <span>
              Chain broken: {verdict.breaks.map((b) => b.description).join('; ')}. Export nothing from this database until it is explained.
            </span>
          )}
        </div>
      )}

      {error && <ErrorState title="Could not load the audit log" message={error} />}
      {loaded && !error && events.length === 0 && (
        <EmptyState title="No audit events yet">Every change made in Mission Control (a component state, an acknowledgement, a gate) is recorded here with who, when and why.</EmptyState>
      )}
      {events.length > 0 && (
        <div className="panel">
          <table className="grid" aria-label="Audit events">
            <thead>
              <tr>
                <th>#</th>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Why</th>
                <th>Hash</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.seq} id={`audit-${e.seq}`} aria-selected={focus === e.seq} className="row">
                  <td className="mono">{e.seq}</td>
                  <td className="dim">
                    <Time iso={e.at} mode="local" />
                  </td>
                  <td>
                    {e.actor.name}
                    {e.actor.role && <span className="faint"> · {ROLE_LABELS[e.actor.role as Role] ?? e.actor.role}</span>}
                  </td>
                  <td>
                    <code>{e.action}</code>
                    <div className="faint">{describeTarget(e)}</div>
                  </td>
                  <td>{e.reason ?? <span className="faint">—</span>}</td>
                  <td className="hash" title={e.hash}>
                    {e.hash.slice(0, 10)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {(events.at(-1)?.seq ?? 1) > 1 && (
            <div className="body">
              <button className="btn small" onClick={() => void useAudit.getState().loadMore()}>
                Load older events
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
