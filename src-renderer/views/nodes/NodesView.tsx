import { useEffect, useMemo, useState } from 'react';
import { RUNTIME_GROUPS, RUNTIME_LABELS } from '../../../src-shared/contract/grid';
import { HEALTH_LABELS, HEALTH_STATES } from '../../../src-shared/domain/node-health';
import { LIFECYCLE_LABELS, LIFECYCLES, type Lifecycle } from '../../../src-shared/domain/node-lifecycle';
import type { Health } from '../../../src-shared/domain/node-health';
import { isTyping, modalOpen, viewKey } from '../../app/shortcuts';
import { EmptyState, ErrorState } from '../../components/States';
import { startGridLive, useGrid } from '../../stores/grid-store';
import { canWrite, useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import { AddSiteDialog } from './AddSiteDialog';
import { activeFilterCount, filterNodes } from './filter';
import { NodeDetailView } from './NodeDetailView';
import { NodesTable } from './NodesTable';
import { RegisterNodeDialog } from './RegisterNodeDialog';

export function NodesView() {
  const param = useUi((s) => s.param);
  return param ? <NodeDetailView nodeId={param} /> : <NodesList />;
}

function NodesList() {
  const { overview, nodes, loaded, error, filters, setFilter, clearFilters } = useGrid();
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'node' | 'site' | null>(null);
  const write = canWrite(info);
  const session = info?.session;

  useEffect(() => startGridLive(), []);
  useEffect(() => {
    if (session) void useGrid.getState().load();
  }, [session?.orgId, epoch]);

  const sitesById = useMemo(() => new Map((overview?.sites ?? []).map((s) => [s.id, s])), [overview]);
  const corridorNames = useMemo(() => new Map((overview?.corridors ?? []).map((c) => [c.id, c.name])), [overview]);
  const shown = useMemo(() => filterNodes(nodes, filters, sitesById), [nodes, filters, sitesById]);
  const sites = (overview?.sites ?? []).filter((s) => !filters.corridorId || s.corridorId === filters.corridorId);

  // "Run telemetry validation" asked with no node open: say what it needs.
  const pending = useUi((st) => st.pendingAction);
  useEffect(() => {
    if (useUi.getState().takeAction('validate-telemetry')) {
      useUi.getState().toast('info', 'Open a node first (/ to search, Enter to open): validation sends one sample through that node’s key.');
    }
  }, [pending]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && !isTyping(e.target) && !modalOpen()) {
        e.preventDefault();
        document.getElementById('node-search')?.focus();
        return;
      }
      if (!viewKey(e) || shown.length === 0) return;
      const i = shown.findIndex((n) => n.id === selectedId);
      if (e.key === 'j' || e.key === 'ArrowDown') {
        e.preventDefault();
        setSelectedId(shown[Math.min(i + 1, shown.length - 1)]?.id ?? null);
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        e.preventDefault();
        setSelectedId(shown[Math.max(i - 1, 0)]?.id ?? null);
      } else if (e.key === 'Enter' && selectedId) {
        e.preventDefault();
        navigate('nodes', selectedId);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shown, selectedId, navigate]);

  if (!session) {
    return (
      <div className="view">
        <div className="view-head">
          <h1>Nodes</h1>
        </div>
        <EmptyState title="No org to show">Nodes appear once Mission Control is connected and signed in to an org.</EmptyState>
      </div>
    );
  }

  return (
    <div className="view">
      <div className="view-head">
        <h1>Nodes</h1>
        <span className="sub">
          {overview ? `${overview.corridors.length} corridors · ${overview.sites.length} sites · ${nodes.length} nodes` : ''}
        </span>
        <div className="actions">
          <button className="btn" onClick={() => setDialog('site')} disabled={!write.ok || !overview} title={write.why ?? 'Add a site to a corridor'}>
            Add site
          </button>
          <button className="btn primary" onClick={() => setDialog('node')} disabled={!write.ok || !overview} title={write.why ?? 'Register a node at a site'}>
            Register node
          </button>
        </div>
      </div>
      <div className="toolbar" role="search">
        <input
          id="node-search"
          type="search"
          placeholder="Search host, site, city, GPU (/)"
          value={filters.q}
          onChange={(e) => setFilter('q', e.target.value)}
          onKeyDown={(e) => {
            // Enter leaves the box for the results, first match selected: j/k/Enter work from there.
            if (e.key === 'Enter' && shown.length > 0) {
              e.preventDefault();
              setSelectedId((id) => (shown.some((n) => n.id === id) ? id : shown[0]!.id));
              document.querySelector<HTMLElement>('[data-testid="nodes-scroller"]')?.focus();
            } else if (e.key === 'Escape' && !filters.q) {
              e.currentTarget.blur();
            }
          }}
          aria-label="Search nodes"
        />
        <select value={filters.corridorId} onChange={(e) => setFilter('corridorId', e.target.value)} aria-label="Corridor">
          <option value="">All corridors</option>
          {overview?.corridors.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <select value={filters.siteId} onChange={(e) => setFilter('siteId', e.target.value)} aria-label="Site">
          <option value="">All sites</option>
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <select value={filters.runtimeGroup} onChange={(e) => setFilter('runtimeGroup', e.target.value)} aria-label="Runtime group">
          <option value="">All runtimes</option>
          {RUNTIME_GROUPS.map((r) => (
            <option key={r} value={r}>
              {RUNTIME_LABELS[r]}
            </option>
          ))}
        </select>
        <select value={filters.lifecycle} onChange={(e) => setFilter('lifecycle', e.target.value as Lifecycle | '')} aria-label="Lifecycle">
          <option value="">Any lifecycle</option>
          {LIFECYCLES.map((l) => (
            <option key={l} value={l}>
              {LIFECYCLE_LABELS[l]}
            </option>
          ))}
        </select>
        <select value={filters.health} onChange={(e) => setFilter('health', e.target.value as Health | '')} aria-label="Health">
          <option value="">Any health</option>
          {HEALTH_STATES.map((h) => (
            <option key={h} value={h}>
              {HEALTH_LABELS[h]}
            </option>
          ))}
        </select>
        {activeFilterCount(filters) > 0 && (
          <button className="btn small" onClick={clearFilters}>
            Clear filters
          </button>
        )}
        <span className="count" data-testid="nodes-count">
          {shown.length === nodes.length ? `${nodes.length} nodes` : `${shown.length} of ${nodes.length} nodes`}
        </span>
      </div>
      {error && !loaded && <ErrorState title="Could not load the nodes" message={error} />}
      {loaded && nodes.length === 0 && (
        <EmptyState title="No nodes yet">
          Register a node at a site to start ({write.ok ? 'Register node, above' : write.why}). Each node then needs a key to send telemetry.
        </EmptyState>
      )}
      {loaded && nodes.length > 0 && shown.length === 0 && <EmptyState title="No node matches these filters" action={<button className="btn" onClick={clearFilters}>Clear filters</button>} />}
      {shown.length > 0 && (
        <NodesTable
          nodes={shown}
          sitesById={sitesById}
          corridorNames={corridorNames}
          selectedId={selectedId}
          onSelect={setSelectedId}
          onOpen={(id) => navigate('nodes', id)}
        />
      )}
      {dialog === 'node' && overview && (
        <RegisterNodeDialog
          overview={overview}
          onClose={() => setDialog(null)}
          onDone={(id) => {
            setDialog(null);
            toast('ok', 'Node registered. Issue it a key so it can send telemetry.');
            navigate('nodes', id);
          }}
        />
      )}
      {dialog === 'site' && overview && (
        <AddSiteDialog
          overview={overview}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            toast('ok', 'Site added.');
            void useGrid.getState().load();
          }}
        />
      )}
    </div>
  );
}
