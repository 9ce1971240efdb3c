import { Fragment, useEffect, useState } from 'react';
import type { IncidentSummary } from '../../../src-shared/contract/incidents';
import { isOpen, SEVERITIES } from '../../../src-shared/domain/incident-lifecycle';
import { EmptyState } from '../../components/States';
import { Time } from '../../components/Time';
import { type IncidentFilter, useIncidents } from '../../stores/incidents-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { AckDialog } from './AckDialog';
import { CreateIncidentDialog } from './CreateIncidentDialog';
import { DrillPill, IncidentStateBadge, LoadError, SeverityBadge } from './parts';
import { IncidentsTabs } from './Tabs';
import { useViewKeys } from './useViewKeys';

const FILTERS: { id: IncidentFilter; label: string; title: string }[] = [
  { id: 'open', label: 'Open', title: 'Triage, active and monitoring' },
  { id: 'recent', label: 'Recent', title: 'Open, and every incident changed in the last 7 days' },
  { id: 'all', label: 'All', title: 'Every incident (the latest 500)' },
];

export function IncidentList() {
  const { list, listError, filter, setFilter } = useIncidents();
  const info = useSystem((s) => s.info);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const write = canWrite(info);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [acking, setAcking] = useState<IncidentSummary | null>(null);
  const rows = list?.incidents ?? [];
  // The first row is selected until the operator moves: Enter opens it without pressing j first.
  const selected = rows.find((r) => r.id === selectedId) ?? rows[0] ?? null;
  const open = rows.filter((r) => isOpen(r.state));
  const past = rows.filter((r) => !isOpen(r.state));

  const acknowledge = (i: IncidentSummary) => {
    if (!write.ok) return toast('info', write.why ?? 'You cannot acknowledge incidents.');
    if (!isOpen(i.state)) return toast('info', `${i.ref} is not open; there is nothing to acknowledge.`);
    if (i.acknowledged) return toast('info', `${i.ref} is acknowledged by ${i.acknowledged.by.name} already.`);
    setAcking(i);
  };

  // "Open a new incident" from the command palette, carried out once this list is shown.
  const pending = useUi((s) => s.pendingAction);
  useEffect(() => {
    // Wait for who is signed in: the answer (dialog or "you cannot") depends on it.
    if (!info || !useUi.getState().takeAction('new-incident')) return;
    if (write.ok) setCreating(true);
    else toast('info', write.why ?? 'You cannot open incidents.');
  }, [pending, info]);
  // Acknowledge / resolve / show on map / customer impact from the palette with no incident open: the selected one.
  useEffect(() => {
    if (!info || !list) return;
    const take = useUi.getState().takeAction;
    for (const action of ['acknowledge', 'resolve', 'show-on-map', 'customer-impact']) {
      if (!take(action)) continue;
      if (!selected) toast('info', 'No incident to act on: the list is empty.');
      else if (action === 'acknowledge') acknowledge(selected);
      else {
        navigate('incidents', selected.id);
        useUi.setState({ pendingAction: { route: 'incidents', action } });
      }
    }
  }, [pending, info, list]);

  const at = selected ? rows.indexOf(selected) : -1;
  const move = (to: number) => {
    const next = rows[Math.max(0, Math.min(to, rows.length - 1))];
    return next ? () => setSelectedId(next.id) : null;
  };
  useViewKeys({
    n: write.ok ? () => setCreating(true) : null,
    r: () => void useIncidents.getState().loadList(),
    j: move(at + 1),
    ArrowDown: move(at + 1),
    k: move(at - 1),
    ArrowUp: move(at - 1),
    Enter: selected ? () => navigate('incidents', selected.id) : null,
    a: selected ? () => acknowledge(selected) : null,
  });
  useEffect(() => {
    if (selectedId) document.querySelector(`[data-incident-id="${selectedId}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const counts = list?.open;
  return (
    <div className="view inc-view" data-testid="incident-list">
      <div className="view-head">
        <h1>Incidents</h1>
        <IncidentsTabs current="list" />
        <div className="actions">
          <span className="tabs" role="group" aria-label="Show">
            {FILTERS.map((f) => (
              <button key={f.id} aria-pressed={filter === f.id} title={f.title} onClick={() => setFilter(f.id)} data-testid={`filter-${f.id}`}>
                {f.label}
              </button>
            ))}
          </span>
          <button className="btn" onClick={() => void useIncidents.getState().loadList()} title="Reload (r)">
            Reload
          </button>
          <button className="btn primary" disabled={!write.ok} title={write.why ?? 'Open an incident or a failover drill (n)'} onClick={() => setCreating(true)} data-testid="new-incident">
            New incident <kbd>n</kbd>
          </button>
        </div>
      </div>

      {counts && (
        <div className={`check inc-summary ${list.blocking > 0 ? 'bad' : 'ok'}`} data-testid="open-counts" data-blocking={list.blocking}>
          <div>
            <div className="big">
              {list.blocking > 0
                ? `${list.blocking} critical or high incident${list.blocking === 1 ? '' : 's'} open: resolve before new traffic`
                : 'No critical or high incident is open'}
            </div>
            <div className="dim">Open incidents by severity (drills not counted)</div>
          </div>
          <div className="inc-counts">
            {SEVERITIES.map((s) => (
              <span key={s} className={counts[s] > 0 ? '' : 'faint'} data-testid={`open-${s}`} data-count={counts[s]}>
                <SeverityBadge severity={s} /> <strong>{counts[s]}</strong>
              </span>
            ))}
          </div>
        </div>
      )}

      {listError && !list && (
        <LoadError title="Could not load the incidents" message={listError} retry={() => void useIncidents.getState().loadList()} />
      )}
      {!list && !listError && <div className="dim">Loading…</div>}
      {list && rows.length === 0 && (
        <EmptyState
          title={filter === 'open' ? 'No open incidents.' : filter === 'recent' ? 'No incident in the last 7 days.' : 'No incidents yet.'}
          action={
            filter !== 'all' ? (
              <button className="btn" onClick={() => setFilter('all')}>
                Show all incidents
              </button>
            ) : undefined
          }
        >
          {write.ok ? (
            <>
              Press <kbd>n</kbd> to open one.
            </>
          ) : (
            write.why
          )}
        </EmptyState>
      )}
      {rows.length > 0 && (
        <div className="panel">
          <table className="grid inc-table" aria-label="Incidents">
            <thead>
              <tr>
                <th>Ref</th>
                <th>Severity</th>
                <th>State</th>
                <th>Title</th>
                <th>Acknowledged</th>
                <th>Commander</th>
                <th>Opened</th>
                <th className="num" title="Corridors, sites and nodes affected">
                  Affected
                </th>
              </tr>
            </thead>
            <tbody>
              {[
                { label: `Open (${open.length})`, items: open },
                { label: 'Resolved, closed, declined and merged', items: past },
              ].map((g) =>
                g.items.length === 0 ? null : (
                  <Fragment key={g.label}>
                    <tr className="group">
                      <td colSpan={8}>{g.label}</td>
                    </tr>
                    {g.items.map((i) => (
                      <IncidentRow key={i.id} i={i} selected={i.id === selected?.id} onSelect={() => setSelectedId(i.id)} onOpen={() => navigate('incidents', i.id)} />
                    ))}
                  </Fragment>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
      <p className="hint-line">
        <kbd>j</kbd>/<kbd>k</kbd> select · <kbd>Enter</kbd> open · <kbd>a</kbd> acknowledge · <kbd>n</kbd> new · <kbd>r</kbd> reload
      </p>

      {creating && (
        <CreateIncidentDialog
          onClose={() => setCreating(false)}
          onDone={(i) => {
            setCreating(false);
            toast('ok', `${i.ref} opened${i.drill ? ' (drill)' : ''}.`);
            navigate('incidents', i.id);
          }}
        />
      )}
      {acking && <AckDialog incident={rows.find((r) => r.id === acking.id) ?? acking} onClose={() => setAcking(null)} />}
    </div>
  );
}

function IncidentRow({ i, selected, onSelect, onOpen }: { i: IncidentSummary; selected: boolean; onSelect: () => void; onOpen: () => void }) {
  const unacked = isOpen(i.state) && !i.acknowledged;
  return (
    <tr
      className={`row ${unacked ? 'unacked' : ''}`}
      aria-selected={selected}
      data-incident-id={i.id}
      data-testid={`incident-row-${i.ref}`}
      data-state={i.state}
      onClick={onSelect}
      onDoubleClick={onOpen}
    >
      <td className="mono">
        <a href={`#/incidents/${i.id}`}>{i.ref}</a>
      </td>
      <td>
        <SeverityBadge severity={i.severity} />
      </td>
      <td>
        <IncidentStateBadge state={i.state} />
        {i.mergedInto && <span className="faint"> into {i.mergedInto.ref}</span>}
      </td>
      <td className="inc-title">
        {i.title}
        {i.drill && <DrillPill />}
        {i.blocksTraffic && <span className="pill bad">blocks new traffic</span>}
      </td>
      <td data-testid="acknowledged">
        {i.acknowledged ? (
          <span>
            {i.acknowledged.by.name} <span className="dim">· <Time iso={i.acknowledged.at} /></span>
          </span>
        ) : unacked ? (
          <span className="pill bad">Not acknowledged</span>
        ) : (
          <span className="faint">—</span>
        )}
      </td>
      <td>{i.commander?.name ?? <span className="faint">nobody</span>}</td>
      <td className="dim">
        <Time iso={i.openedAt} />
        <div className="faint small">
          <Time iso={i.openedAt} mode="local" />
        </div>
      </td>
      <td className="num">{i.affectedCount}</td>
    </tr>
  );
}
