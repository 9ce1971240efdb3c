import { useEffect, useRef, useState } from 'react';
import { viewKey } from '../../app/shortcuts';
import { NoOrg } from '../../components/NoOrg';
import { EmptyState, ErrorState } from '../../components/States';
import { useGrid } from '../../stores/grid-store';
import { startNetworkLive, useNetwork } from '../../stores/network-store';
import { useSystem } from '../../stores/system-store';
import { useUi } from '../../stores/ui-store';
import '../../styles/network.css';
import { CorridorMap } from './CorridorMap';
import { NetworkFilters } from './NetworkFilters';
import { NetworkSearch } from './NetworkSearch';
import { SitePanel } from './SitePanel';
import { TopologyGraph } from './TopologyGraph';
import { WallDisplay } from './WallDisplay';

type Layout = 'split' | 'map' | 'graph';
const LAYOUTS: { id: Layout; label: string; key: string }[] = [
  { id: 'split', label: 'Map + graph', key: '1' },
  { id: 'map', label: 'Map', key: '2' },
  { id: 'graph', label: 'Graph', key: '3' },
];

/** /network: the corridor map and the topology graph, side by side, one selection between them. */
export default function NetworkView() {
  const param = useUi((s) => s.param);
  const info = useSystem((s) => s.info);
  const epoch = useSystem((s) => s.epoch);
  const session = info?.session;
  useEffect(() => (session ? startNetworkLive() : undefined), [session?.orgId, epoch]);
  useEffect(() => () => useNetwork.getState().reset(), [session?.orgId]);
  if (!session) return <NoOrg title="Network" what="the network" />;
  return param === 'wall' ? <WallDisplay /> : <NetworkWorkspace readOnly={info?.readOnly ?? false} />;
}

function NetworkWorkspace({ readOnly }: { readOnly: boolean }) {
  const { overview, loaded, error } = useGrid();
  const selection = useNetwork((s) => s.selection);
  const navigate = useUi((s) => s.navigate);
  const [layout, setLayout] = useState<Layout>('split');
  const search = useRef<HTMLInputElement>(null);
  useSelectedSiteInAddress(overview?.sites);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && useNetwork.getState().selection && !document.querySelector('[role="dialog"]')) {
        useNetwork.getState().select(null);
        return;
      }
      if (e.key === 'Escape' && useNetwork.getState().blast && !document.querySelector('[role="dialog"]')) {
        useNetwork.getState().clearBlast();
        return;
      }
      if (!viewKey(e)) return;
      const l = LAYOUTS.find((x) => x.key === e.key);
      if (l) setLayout(l.id);
      else if (e.key === '/') search.current?.focus();
      else if (e.key === 'w') navigate('network', 'wall');
      else if (e.key === 'x') useNetwork.getState().collapseAll();
      else if (e.key === 'f') useNetwork.getState().fitMap();
      else if (e.key === 'r') {
        void useGrid.getState().load();
        void useNetwork.getState().loadOverlay();
      } else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const empty = loaded && !error && overview && overview.sites.length === 0;
  return (
    <div className="view net-view" data-testid="network-view">
      <div className="view-head">
        <h1>Network</h1>
        <NetworkSearch ref={search} />
        <div className="actions">
          <span className="tabs" role="group" aria-label="Layout">
            {LAYOUTS.map((l) => (
              <button key={l.id} aria-pressed={layout === l.id} onClick={() => setLayout(l.id)} title={`${l.label} (${l.key})`} data-testid={`layout-${l.id}`}>
                {l.label}
              </button>
            ))}
          </span>
          <button className={`btn ${readOnly ? 'primary' : ''}`} onClick={() => navigate('network', 'wall')} title="Full-screen map and status for a wall display (w)" data-testid="wall-mode">
            Wall display <kbd>w</kbd>
          </button>
        </div>
      </div>
      <NetworkFilters />
      <BlastBanner />
      {error && <ErrorState title="Could not load the grid" message={error} />}
      {!loaded && !error && <div className="dim body">Loading the grid…</div>}
      {empty && (
        <EmptyState title="No sites yet" action={<button className="btn" onClick={() => navigate('corridors')}>Open Corridors</button>}>
          The map and the graph draw corridors, sites and nodes. Add a site to a corridor under Corridors, then register nodes under Nodes.
        </EmptyState>
      )}
      {loaded && !error && !empty && (
        <div className={`net-body layout-${layout}${selection?.siteId ? ' with-panel' : ''}`}>
          {layout !== 'graph' && <CorridorMap />}
          {layout !== 'map' && <TopologyGraph />}
          {selection?.siteId && <SitePanel siteId={selection.siteId} />}
        </div>
      )}
    </div>
  );
}

/** Whose blast radius the map shows, how far it reaches, and whether it is a drill. */
function BlastBanner() {
  const blast = useNetwork((s) => s.blast);
  const navigate = useUi((s) => s.navigate);
  if (!blast) return null;
  return (
    <div className={`blast-banner sev-${blast.severity}`} role="status" data-testid="blast-radius" data-drill={blast.drill}>
      {blast.drill && <span className="pill warn" data-testid="blast-drill">Drill · not a real outage</span>}
      <strong>
        {blast.ref} {blast.title}
      </strong>
      <span>
        blast radius: {blast.siteIds.length === 1 ? '1 site' : `${blast.siteIds.length} sites`} in{' '}
        {blast.corridorIds.length === 1 ? '1 corridor' : `${blast.corridorIds.length} corridors`} (the map shows only these corridors; ringed sites have open incidents)
      </span>
      <span className="spacer" />
      <button className="btn small" onClick={() => navigate('incidents', blast.incidentId)}>
        Back to {blast.ref}
      </button>
      <button className="btn small" onClick={() => useNetwork.getState().clearBlast()} data-testid="blast-clear">
        Whole grid <kbd>Esc</kbd>
      </button>
    </div>
  );
}

const SITE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The selected site lives in the address (#/network/<site id>), so a link or a reload shows the
 * same site. The address is replaced, not pushed: clicking through sites does not fill history.
 */
function useSelectedSiteInAddress(sites: readonly { id: string }[] | undefined) {
  const param = useUi((s) => s.param);
  const siteId = useNetwork((s) => s.selection?.siteId ?? null);
  // The site the address and the selection last agreed on.
  const applied = useRef<string | null>(null);
  // From the address: once the sites are known, select the one it names (once per address, so a
  // later reload of the sites does not undo a selection made since).
  useEffect(() => {
    if (!sites || !param || !SITE_ID.test(param) || applied.current === param) return;
    applied.current = param;
    if (sites.some((s) => s.id === param)) useNetwork.getState().select({ kind: 'site', id: param, siteId: param }, true);
  }, [param, sites]);
  // To the address. replaceState fires no hashchange, so the store's param is set to match: an
  // address typed later that names another site is then a change, and is followed.
  useEffect(() => {
    const current = useUi.getState().param;
    // An address naming a site not selected yet (the sites are still loading) is left alone.
    if (!siteId && current && SITE_ID.test(current) && applied.current !== current) return;
    const want = siteId ? `#/network/${siteId}` : '#/network';
    applied.current = siteId;
    if (location.hash !== want) history.replaceState(null, '', want);
    if (current !== siteId) useUi.setState({ param: siteId });
  }, [siteId]);
}
