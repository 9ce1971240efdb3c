import { SITE_KIND_LABELS } from '../../../src-shared/contract/grid';
import { capacityWords, drainLabel, type SiteFigure } from '../../../src-shared/domain/network';
import { HEALTH_LABELS, type Health } from '../../../src-shared/domain/node-health';
import { fmt } from '../../components/format';

/** A site's key figures where the pointer is; stays inside the map by flipping left near the edge. */
export function SiteTooltip({ site, x, y, health, incidents }: { site: SiteFigure; x: number; y: number; health: Health; incidents: number }) {
  // Flipped left of the pointer only where the widest tooltip (max-width 250 px in network.css) fits.
  const flip = x > 280;
  return (
    <div className="net-tooltip" role="tooltip" data-testid="map-tooltip" style={{ left: flip ? x - 12 : x + 12, top: y + 12, transform: flip ? 'translateX(-100%)' : undefined }}>
      <div className="title">{site.name}</div>
      <div className="dim">
        {site.city ? `${site.city}, ` : ''}
        {site.country} · {SITE_KIND_LABELS[site.kind]}
      </div>
      <div className={`health-${health}`}>
        <i className="dot" /> {HEALTH_LABELS[health]}
      </div>
      {site.drain !== 'none' && (
        <div className={site.drain === 'all' ? 'drained' : 'drained-some'} data-testid="map-tooltip-drain" data-drain={site.drain}>
          <i className="dot" /> {drainLabel(site.draining, site.running, site.nodes)}
          {site.drain === 'all' ? ' · routing sends it no new work' : ''}
        </div>
      )}
      <div>
        {/* Drained nodes still finish what they hold but take nothing new: not counted as running here. */}
        {site.running - site.draining} of {site.nodes} nodes running{site.draining > 0 ? `, ${site.draining} drained` : ''}
      </div>
      <div data-testid="map-tooltip-capacity">{capacityWords(site.capacity, site.drainingCapacity, (v) => fmt(v, 'tok/s', 0))}</div>
      {site.counts.critical + site.counts.warning + site.counts.stale > 0 && (
        <div className="dim">
          {site.counts.critical} critical · {site.counts.warning} warning · {site.counts.stale} silent
        </div>
      )}
      {incidents > 0 && <div className="bad">{incidents === 1 ? '1 open incident' : `${incidents} open incidents`}</div>}
      <div className="faint">Click to open</div>
    </div>
  );
}
