import { Fragment, useEffect, useMemo, useState } from 'react';
import { COMPONENT_KINDS, KIND_LABELS, rollup, STATE_LABELS } from '../../../src-shared/domain/component-status';
import { viewKey } from '../../app/shortcuts';
import { EmptyState, ErrorState } from '../../components/States';
import { StateBadge } from '../../components/StateBadge';
import { Time } from '../../components/Time';
import { startStatusLive, useStatus } from '../../stores/status-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { ComponentHistory } from './ComponentHistory';
import { SetStateDialog } from './SetStateDialog';

export function StatusView() {
  const { components, loaded, error } = useStatus();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  const write = canWrite(info);
  const sessionKey = info?.session ? `${info.session.orgId}:${info.session.operatorId}` : null;

  useEffect(() => startStatusLive(), []);
  useEffect(() => {
    if (sessionKey) void useStatus.getState().load();
  }, [sessionKey, epoch]);

  const ordered = useMemo(() => COMPONENT_KINDS.flatMap((k) => components.filter((c) => c.kind === k)), [components]);
  const selected = ordered.find((c) => c.id === selectedId) ?? ordered[0] ?? null;
  const editing = ordered.find((c) => c.id === editingId) ?? null;
  const summary = rollup(components);

  // Commands elsewhere (palette) ask for the dialog through this event.
  useEffect(() => {
    const onSet = (e: Event) => {
      const id = (e as CustomEvent<string>).detail;
      setSelectedId(id);
      if (canWrite(useSystem.getState().info).ok) setEditingId(id);
    };
    window.addEventListener('mc:set-state', onSet);
    return () => window.removeEventListener('mc:set-state', onSet);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!viewKey(e) || ordered.length === 0) return;
      const i = selected ? ordered.indexOf(selected) : -1;
      if (e.key === 'j' || e.key === 'ArrowDown') {
        e.preventDefault();
        setSelectedId(ordered[Math.min(i + 1, ordered.length - 1)]?.id ?? null);
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        e.preventDefault();
        setSelectedId(ordered[Math.max(i - 1, 0)]?.id ?? null);
      } else if ((e.key === 'Enter' || e.key === 'e') && selected && write.ok) {
        e.preventDefault();
        setEditingId(selected.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ordered, selected, write.ok]);

  if (!info?.session) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Status</h1>
        </div>
        <EmptyState
          title={info?.database.state === 'connecting' ? 'Connecting to the database…' : 'No org to show'}
          action={
            <button className="btn" onClick={() => navigate('connections')}>
              Open Connections
            </button>
          }
        >
          {info?.database.message ?? 'Component status appears once Mission Control is connected to a database and signed in to an org.'}
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="view">
      <div className="view-head">
        <h1>Status</h1>
        <span className="sub">Global component status for {info.session.orgName}</span>
        <div className="actions">
          <button
            className="btn"
            disabled={!write.ok || !selected}
            title={write.why ?? 'Set the selected component’s state (Enter)'}
            onClick={() => selected && setEditingId(selected.id)}
          >
            Set state…
          </button>
        </div>
      </div>

      {error && !loaded && <ErrorState title="Could not load component status" message={error} action={<button className="btn" onClick={() => void useStatus.getState().load()}>Try again</button>} />}

      {loaded && components.length === 0 && (
        <EmptyState title="No components yet">
          Components (corridors, database, telemetry pipeline, routing, runtimes) are rows in this org’s database. The demo org has twelve; a new org gets them from its
          admin.
        </EmptyState>
      )}

      {loaded && components.length > 0 && (
        <>
          <div className={`rollup state-${summary.state}`} data-testid="rollup" data-state={summary.state}>
            <span className={`badge state-${summary.state}`}>
              <span className="dot" aria-hidden="true" />
            </span>
            <div>
              <div className="big">{summary.headline}</div>
              <div className="dim" data-testid="incident-level">
                {summary.incidentLevel === 0
                  ? 'No incident-level components (partial or major outage) are active.'
                  : `${summary.incidentLevel} incident-level component${summary.incidentLevel === 1 ? ' is' : 's are'} active: resolve before new traffic.`}
              </div>
            </div>
            <div className="counts">
              {(['major_outage', 'partial_outage', 'degraded_performance', 'under_maintenance', 'operational'] as const)
                .filter((s) => summary.counts[s] > 0)
                .map((s) => (
                  <span key={s}>
                    {summary.counts[s]} {STATE_LABELS[s].toLowerCase()}
                  </span>
                ))}
              {summary.noData > 0 && <span data-testid="no-data-count">{summary.noData} without data</span>}
            </div>
          </div>

          <div className="split">
            <div className="panel">
              <table className="grid" aria-label="Components">
                <thead>
                  <tr>
                    <th>Component</th>
                    <th>State</th>
                    <th>Computed from records</th>
                    <th>Declared</th>
                  </tr>
                </thead>
                <tbody>
                  {COMPONENT_KINDS.map((kind) => {
                    const rows = ordered.filter((c) => c.kind === kind);
                    if (rows.length === 0) return null;
                    return (
                      <Fragment key={kind}>
                        <tr className="group">
                          <td colSpan={4}>{KIND_LABELS[kind]}</td>
                        </tr>
                        {rows.map((c) => (
                          <tr
                            key={c.id}
                            className="row"
                            aria-selected={selected?.id === c.id}
                            data-testid={`component-${c.key}`}
                            onClick={() => setSelectedId(c.id)}
                            onDoubleClick={() => write.ok && setEditingId(c.id)}
                          >
                            <td>{c.name}</td>
                            <td data-testid="effective" data-basis={c.basis}>
                              <StateBadge state={c.state} /> <span className="faint">{c.basis === 'none' ? '' : c.basis}</span>
                            </td>
                            <td className="dim" data-testid="computed" data-state={c.computed.state ?? 'no_data'} title={c.computed.explain}>
                              {c.computed.state ? STATE_LABELS[c.computed.state] : 'No data'}: {c.computed.explain}
                            </td>
                            <td className="dim" data-testid="declared">
                              {c.declared ? (
                                <>
                                  {c.declared.line}
                                  {' · '}
                                  <Time iso={c.declared.at} />
                                  {c.declared.until && (
                                    <>
                                      {' · until '}
                                      <Time iso={c.declared.until} mode="local" />
                                    </>
                                  )}
                                </>
                              ) : (
                                <span className="faint">nothing declared</span>
                              )}
                            </td>
                          </tr>
                        ))}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {selected && <ComponentHistory component={selected} />}
          </div>
        </>
      )}
      {editing && <SetStateDialog component={editing} onClose={() => setEditingId(null)} />}
    </div>
  );
}
