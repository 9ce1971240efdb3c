import { useMemo } from 'react';
import { RUNTIME_LABELS, SITE_KIND_LABELS } from '../../../src-shared/contract/grid';
import { INCIDENT_STATE_LABELS, SEVERITY_LABELS } from '../../../src-shared/domain/incident-lifecycle';
import { capacityWords, drainLabel, siteFigures } from '../../../src-shared/domain/network';
import { shownHealth } from '../../../src-shared/domain/network-overlay';
import { HEALTH_RANK } from '../../../src-shared/domain/node-health';
import { STATE_LABELS } from '../../../src-shared/domain/component-status';
import { fmt, pct } from '../../components/format';
import { HealthBadge, LifecycleBadge } from '../../components/GridBadges';
import { LinesChart } from '../../components/LinesChart';
import { ErrorState } from '../../components/States';
import { useGrid } from '../../stores/grid-store';
import { useNetwork } from '../../stores/network-store';
import { useUi } from '../../stores/ui-store';

/** Nodes listed in the panel: the worst first; the Nodes view has them all. */
const NODE_ROWS = 12;

/** The selected site: figures, its nodes worst first, the open incidents on it, and its last hour. */
export function SitePanel({ siteId }: { siteId: string }) {
  const overview = useGrid((s) => s.overview);
  const allNodes = useGrid((s) => s.nodes);
  const { panel, panelError, overlay, select } = useNetwork();
  const theme = useUi((s) => s.theme);
  const navigate = useUi((s) => s.navigate);
  const site = overview?.sites.find((s) => s.id === siteId);
  const corridor = overview?.corridors.find((c) => c.id === site?.corridorId);
  const component = overlay?.corridors.find((c) => c.corridorId === site?.corridorId)?.component ?? null;
  const nodes = useMemo(
    () => allNodes.filter((n) => n.siteId === siteId).sort((a, b) => HEALTH_RANK[b.health] - HEALTH_RANK[a.health] || a.hostname.localeCompare(b.hostname)),
    [allNodes, siteId],
  );
  // Built once per panel load: a new lines array would rebuild the charts on every render.
  const charts = useMemo(() => {
    const sr = panel?.series;
    return sr
      ? {
          tokens: [{ label: 'tok/s', color: '--accent', values: sr.tokensPerS }],
          latency: [{ label: 'P95', color: '--warn', values: sr.p95LatencyMs }],
        }
      : null;
  }, [panel]);
  if (!site) return null;
  // The site's figures as the map and the tooltip count them (siteFigures, no filters).
  const { running, capacity, drainingCapacity, health: worst, draining, drain } = siteFigures([site], nodes)[0]!;
  const shown = shownHealth(worst, component?.state);
  const series = panel?.series;

  return (
    <aside className="net-panel" data-testid="site-panel" aria-label={`Site ${site.name}`}>
      <header>
        <div>
          <h2>{site.name}</h2>
          <div className="dim">
            {site.city ? `${site.city}, ` : ''}
            {site.country} · {SITE_KIND_LABELS[site.kind]} · {corridor?.name ?? '—'} · owner {site.ownerName}
          </div>
        </div>
        <button className="btn small ghost" onClick={() => select(null)} title="Close (Esc)" aria-label="Close the site panel">
          ✕
        </button>
      </header>
      <div className="net-panel-figures">
        <HealthBadge health={shown} />
        <span>
          {running - draining} of {nodes.length} nodes running{draining > 0 ? `, ${draining} drained` : ''}
        </span>
        <span data-testid="site-capacity">{capacityWords(capacity, drainingCapacity, (v) => fmt(v, 'tok/s', 0))}</span>
      </div>
      {drain !== 'none' && (
        <div className={`banner info ${drain === 'all' ? 'drained' : 'drained-some'}`} data-testid="site-drain" data-drain={drain}>
          <i className="dot" /> {drainLabel(draining, running, nodes.length)}
          {drain === 'all' ? ': routing sends this site no new work until its nodes return to active (under Nodes, Put back… on the incident that drained them, or the drill’s restore step).' : ': routing sends those nodes no new work.'}
        </div>
      )}
      {component && component.state !== 'operational' && (
        <div className={`banner ${component.state === 'under_maintenance' ? 'info' : 'warn'}`} data-testid="site-corridor-state">
          {component.name}: {STATE_LABELS[component.state]}
          {component.reason ? ` — ${component.reason}` : ''}
        </div>
      )}
      {worst === 'critical' && <div className="dim small">Its traffic fails over to the nearest healthy site of the corridor (the arc on the map).</div>}

      <section>
        <h3>Open incidents</h3>
        {panelError && <ErrorState title="Could not load the site" message={panelError} />}
        {!panel && !panelError && <div className="dim">Loading…</div>}
        {panel && panel.incidents.length === 0 && <div className="dim">None on this site, its nodes or its corridor.</div>}
        {panel && panel.incidents.length > 0 && (
          <ul className="net-list" data-testid="site-incidents">
            {panel.incidents.map((i) => (
              <li key={i.id}>
                <button className="link" onClick={() => navigate('incidents', i.id)}>
                  {i.ref}
                </button>{' '}
                <span className={`pill sev-${i.severity}`}>{SEVERITY_LABELS[i.severity]}</span> {i.title}{' '}
                <span className="dim">
                  {INCIDENT_STATE_LABELS[i.state]}
                  {i.drill ? ' · drill' : ''}
                  {i.acknowledged ? '' : ' · not acknowledged'}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section>
        <h3>Nodes</h3>
        {nodes.length === 0 ? (
          <div className="dim">No nodes registered here yet: register one under Nodes.</div>
        ) : (
          <table className="grid compact" data-testid="site-nodes">
            <tbody>
              {nodes.slice(0, NODE_ROWS).map((n) => (
                <tr key={n.id} className="row" onClick={() => navigate('nodes', n.id)} title="Open the node">
                  {/* Host and runtime share a cell: five columns did not fit the 340 px panel (host names broke over three lines, p95 went out of view). */}
                  <td>
                    <div className="mono">{n.hostname}</div>
                    <div className="dim small">{RUNTIME_LABELS[n.runtimeGroup]}</div>
                  </td>
                  <td>
                    <LifecycleBadge lifecycle={n.lifecycle} />
                  </td>
                  <td>
                    <HealthBadge health={n.health} />
                  </td>
                  <td className="num">{fmt(n.latest.p95LatencyMs, 'ms', 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {nodes.length > NODE_ROWS && (
          <button className="btn small ghost" onClick={() => navigate('nodes')}>
            {nodes.length - NODE_ROWS} more under Nodes
          </button>
        )}
      </section>

      <section>
        <h3>Last hour</h3>
        {series && series.reporting.some((r) => r > 0) ? (
          <>
            <LinesChart title="Tokens per second" unit="tok/s" t={series.t} lines={charts!.tokens} theme={theme} testId="site-chart-tokens" height={110} />
            <LinesChart
              title="Worst node P95 latency"
              unit="ms"
              t={series.t}
              lines={charts!.latency}
              theme={theme}
              testId="site-chart-latency"
              height={110}
            />
            <div className="dim small">
              Error rate now {pct(series.errorRate.findLast((v) => v !== null) ?? null)} · GPU {fmt(series.gpuUtilPct.findLast((v) => v !== null) ?? null, '%', 0)}
            </div>
          </>
        ) : (
          series && <div className="dim">No telemetry from this site in the last hour.</div>
        )}
      </section>
    </aside>
  );
}
