import { useEffect } from 'react';
import type { Component } from '../../../src-shared/contract/status';
import { STATE_LABELS } from '../../../src-shared/domain/component-status';
import { StateBadge } from '../../components/StateBadge';
import { Time } from '../../components/Time';
import { useStatus } from '../../stores/status-store';

/** The selected component's changes, each linked to the audit event that proves it. */
export function ComponentHistory({ component }: { component: Component }) {
  const entries = useStatus((s) => s.history[component.id]);
  useEffect(() => {
    void useStatus.getState().loadHistory(component.id);
  }, [component.id, component.changedAt]);
  return (
    <section className="panel" aria-label={`History of ${component.name}`} data-testid="history">
      <header>{component.name}</header>
      <div className="body">
        <dl className="kv">
          <dt>State</dt>
          <dd>
            <StateBadge state={component.state} /> <span className="faint">{component.basis === 'none' ? '' : `(${component.basis})`}</span>
          </dd>
          <dt>Computed</dt>
          <dd className="dim">{component.computed.explain}</dd>
          <dt>Declared</dt>
          <dd className="dim">{component.declared?.line ?? 'nothing in force'}</dd>
          <dt>Since</dt>
          <dd>
            <Time iso={component.changedAt} mode="local" />
          </dd>
          <dt>By</dt>
          <dd>{component.changedBy?.name ?? <span className="faint">initial state</span>}</dd>
          <dt>About</dt>
          <dd className="dim">{component.description || '—'}</dd>
        </dl>
      </div>
      <header>History</header>
      <div className="body">
        {entries === undefined && <span className="dim">Loading…</span>}
        {entries?.length === 0 && <span className="dim">No changes recorded yet. Changes made here appear with who, when and why.</span>}
        <ul className="timeline">
          {entries?.map((h) => (
            <li key={h.id}>
              <div>
                {h.fromState ? `${STATE_LABELS[h.fromState]} → ` : ''}
                <strong>{STATE_LABELS[h.toState]}</strong>
              </div>
              <div className="dim">
                <Time iso={h.at} /> · {h.actor?.name ?? 'unknown'}
                {h.auditSeq !== null && (
                  <>
                    {' · '}
                    <a href={`#/audit?seq=${h.auditSeq}`}>audit #{h.auditSeq}</a>
                  </>
                )}
              </div>
              {h.reason && <div>“{h.reason}”</div>}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
