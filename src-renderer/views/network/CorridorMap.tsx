import { FlyToInterpolator, type MapViewState, MapView } from '@deck.gl/core';
import DeckGL, { type DeckGLRef } from '@deck.gl/react';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { siteFigures, type SiteFigure } from '../../../src-shared/domain/network';
import { useGrid } from '../../stores/grid-store';
import { useNetwork } from '../../stores/network-store';
import { useUi } from '../../stores/ui-store';
import { countries } from './basemap';
import { buildLayers, nearestSite, type SitePoint } from './map-layers';
import { boundaries, flowArcs, incidentRings, linkArcs, shading, siteLooks, sitePoints } from './map-model';
import { fitView, WORLD } from './map-view';
import { readPalette } from './palette';
import { SiteTooltip } from './SiteTooltip';

const VIEW = new MapView({ repeat: false, controller: true });

export interface MapProbe {
  /** A site's position in page coordinates, or null when it is not drawn. */
  pointOf(siteId: string): [number, number] | null;
  /** How many sites, links and flows are drawn. */
  counts(): { sites: number; links: number; flows: number; rings: number };
  /** The sites drawn, by name. */
  sites(): { id: string; name: string }[];
  /** The colour a site is drawn in, as a health state. */
  healthOf(siteId: string): string | null;
  /** Whether a site is drawn as drained (none, some, all of its nodes), from its node records. */
  drainOf(siteId: string): string | null;
}

declare global {
  interface Window {
    /** For automation and the specs: where the map draws a site. Holds no data beyond ids. */
    __mcMap?: MapProbe;
  }
}

/**
 * The corridor map: the bundled basemap with corridors shaded and their residency boundaries drawn,
 * sites sized by running capacity and coloured by health (telemetry and the corridor's declared
 * state), links between a corridor's sites, failover flows from critical sites, and rings for open
 * incidents. Hover for figures, click to select.
 */
export const CorridorMap = memo(function CorridorMap({ big = false }: { big?: boolean }) {
  const overview = useGrid((s) => s.overview);
  const nodes = useGrid((s) => s.nodes);
  const overlay = useNetwork((s) => s.overlay);
  const filters = useNetwork((s) => s.filters);
  const selection = useNetwork((s) => s.selection);
  const focusSeq = useNetwork((s) => s.focusSeq);
  const fitSeq = useNetwork((s) => s.fitSeq);
  const fitMap = useNetwork((s) => s.fitMap);
  const select = useNetwork((s) => s.select);
  const theme = useUi((s) => s.theme);
  const box = useRef<HTMLDivElement>(null);
  const deck = useRef<DeckGLRef>(null);
  const [viewState, setViewState] = useState<MapViewState>(WORLD);
  const [fitted, setFitted] = useState(false);
  const [hover, setHover] = useState<{ site: SiteFigure; x: number; y: number } | null>(null);
  const [glError, setGlError] = useState<string | null>(null);

  // eslint-disable-next-line react-hooks/exhaustive-deps
  const palette = useMemo(() => readPalette(), [theme]);
  const corridors = overview?.corridors ?? [];
  const sites = overview?.sites ?? [];
  const figures = useMemo(() => siteFigures(sites, nodes, filters), [sites, nodes, filters]);
  // Structure changes only when the set of shown sites does; a telemetry tick keeps the same arrays.
  const shownKey = figures.map((f) => f.id).join();
  const points = useMemo(() => sitePoints(figures), [shownKey, sites]);
  const links = useMemo(() => linkArcs(points, corridors), [points, corridors]);
  const looks = useMemo(() => siteLooks(figures, overlay?.corridors), [figures, overlay]);
  const version = useRef(0);
  const figuresVersion = useMemo(() => ++version.current, [looks]);
  const flows = useMemo(() => flowArcs(figures, looks, palette), [figures, looks, palette]);
  const rings = useMemo(() => incidentRings(points, overlay?.sites, palette), [points, overlay, palette]);
  const shownCorridors = useMemo(() => corridors.filter((c) => filters.corridorIds.length === 0 || filters.corridorIds.includes(c.id)), [corridors, filters]);
  const selectedCorridorId =
    selection?.kind === 'corridor' ? selection.id : selection?.siteId ? (sites.find((s) => s.id === selection.siteId)?.corridorId ?? null) : null;
  const shade = useMemo(() => shading(shownCorridors, sites, selectedCorridorId, palette, theme === 'light' ? 70 : 60), [shownCorridors, sites, selectedCorridorId, palette, theme]);
  const outlines = useMemo(() => boundaries(shownCorridors, sites, overlay?.corridors, selectedCorridorId, palette), [shownCorridors, sites, overlay, selectedCorridorId, palette]);

  const maxCapacity = useMemo(() => figures.reduce((m, f) => Math.max(m, f.capacity), 0), [figures]);
  const layers = useMemo(
    () =>
      buildLayers({
        palette,
        countries: countries(),
        shading: shade,
        shadingVersion: `${theme}:${shownCorridors.map((c) => c.id).join()}:${selectedCorridorId}`,
        boundaries: outlines,
        sites: points,
        looks,
        figuresVersion,
        maxCapacity,
        links,
        flows,
        rings,
        selectedSiteId: selection?.siteId ?? null,
      }),
    [palette, shade, theme, shownCorridors, selectedCorridorId, outlines, points, looks, figuresVersion, maxCapacity, links, flows, rings, selection],
  );

  // Fit the sites once they are known and the map has a size, and again when asked.
  useEffect(() => {
    if (fitted || points.length === 0 || !box.current) return;
    setViewState(fitView(points, box.current.clientWidth, box.current.clientHeight));
    setFitted(true);
  }, [points, fitted]);
  useEffect(() => {
    if (fitSeq === 0 || !box.current) return;
    setViewState({ ...fitView(points, box.current.clientWidth, box.current.clientHeight), transitionDuration: 400 });
  }, [fitSeq]);

  // Fly to the selected site when asked (a search, a selection on the graph).
  useEffect(() => {
    if (focusSeq === 0 || !selection?.siteId) return;
    const site = sites.find((s) => s.id === selection.siteId);
    if (!site) return;
    setViewState((v) => ({
      ...v,
      longitude: site.longitude,
      latitude: site.latitude,
      zoom: Math.max(v.zoom, 4),
      transitionDuration: 700,
      transitionInterpolator: new FlyToInterpolator(),
    }));
  }, [focusSeq]);

  useEffect(() => {
    window.__mcMap = {
      pointOf(siteId) {
        const p = points.find((x) => x.id === siteId);
        const d = deck.current?.deck;
        // Before deck.gl has drawn its first frame there is no viewport to ask.
        const vp = d?.isInitialized ? d.getViewports()[0] : undefined;
        const rect = box.current?.getBoundingClientRect();
        if (!p || !vp || !rect) return null;
        const [x, y] = vp.project(p.position);
        return [rect.left + x!, rect.top + y!];
      },
      counts: () => ({ sites: points.length, links: links.length, flows: flows.length, rings: rings.length }),
      sites: () => figures.map((f) => ({ id: f.id, name: f.name })),
      healthOf: (siteId) => looks.get(siteId)?.health ?? null,
      drainOf: (siteId) => looks.get(siteId)?.drain ?? null,
    };
    return () => {
      delete window.__mcMap;
    };
  }, [points, links, flows, rings, figures, looks]);

  const figureById = useMemo(() => new Map(figures.map((f) => [f.id, f])), [figures]);
  const siteAt = (e: { clientX: number; clientY: number }) => {
    const d = deck.current?.deck;
    const vp = d?.isInitialized ? d.getViewports()[0] : undefined;
    const rect = box.current?.getBoundingClientRect();
    if (!vp || !rect) return null;
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const s = nearestSite((p) => vp.project(p), points, looks, maxCapacity, x, y);
    return s ? { site: s, x, y } : null;
  };
  // Pointer handling in the capture phase on the container: deck.gl's gesture handling on the
  // canvas may stop a press or release from bubbling. A press that moved is a pan, not a click.
  const handlers = useRef({ move: (_e: PointerEvent) => {}, up: (_e: PointerEvent) => {} });
  handlers.current.move = (e) => {
    if (e.buttons !== 0) return;
    const hit = siteAt(e);
    const site = hit ? figureById.get(hit.site.id) : undefined;
    setHover(site && hit ? { site, x: hit.x, y: hit.y } : null);
  };
  handlers.current.up = (e) => {
    const hit = siteAt(e);
    if (hit) select({ kind: 'site', id: hit.site.id, siteId: hit.site.id });
  };
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let pressed: { x: number; y: number } | null = null;
    const down = (e: PointerEvent) => (pressed = { x: e.clientX, y: e.clientY });
    const up = (e: PointerEvent) => {
      const start = pressed;
      pressed = null;
      if (start && Math.hypot(e.clientX - start.x, e.clientY - start.y) <= 4) handlers.current.up(e);
    };
    const move = (e: PointerEvent) => handlers.current.move(e);
    const leave = () => setHover(null);
    el.addEventListener('pointerdown', down, true);
    el.addEventListener('pointerup', up, true);
    el.addEventListener('pointermove', move, true);
    el.addEventListener('pointerleave', leave);
    return () => {
      el.removeEventListener('pointerdown', down, true);
      el.removeEventListener('pointerup', up, true);
      el.removeEventListener('pointermove', move, true);
      el.removeEventListener('pointerleave', leave);
    };
  }, [glError]);

  if (glError) {
    return (
      <div className="net-map error" data-testid="network-map">
        <div className="body">
          <strong>The map cannot draw here.</strong> {glError} The map needs WebGL2: turn on hardware acceleration (or a software renderer) and reload. The
          graph, filters and side panel work without it.
        </div>
      </div>
    );
  }
  return (
    <div
      className={`net-map ${big ? 'big' : ''}`}
      ref={box}
      data-testid="network-map"
      data-sites={points.length}
      data-links={links.length}
      data-flows={flows.length}
      data-rings={rings.length}
      data-selected={selection?.siteId ?? ''}
      aria-label="Corridor map"
      role="img"
    >
      <DeckGL
        ref={deck}
        views={VIEW}
        viewState={viewState}
        onViewStateChange={({ viewState: v }) => setViewState(v as MapViewState)}
        layers={layers}
        getCursor={({ isDragging }) => (isDragging ? 'grabbing' : hover ? 'pointer' : 'grab')}
        onError={(e) => setGlError(e?.message ?? 'WebGL failed to start.')}
        useDevicePixels={big ? 1 : true}
      />
      {/* The figure of now, not of when the pointer arrived: a drain while hovering shows at once. */}
      {hover && <SiteTooltip site={figureById.get(hover.site.id) ?? hover.site} x={hover.x} y={hover.y} health={looks.get(hover.site.id)?.health ?? hover.site.health} incidents={overlay?.sites.find((s) => s.siteId === hover.site.id)?.incidents.length ?? 0} />}
      <button className="btn small net-map-fit" onClick={fitMap} title="Frame every shown site (f)" data-testid="map-fit">
        Fit <kbd>f</kbd>
      </button>
      <div className="net-map-legend" aria-hidden="true">
        <span className="health-healthy"><i className="dot" /> healthy</span>
        <span className="health-warning"><i className="dot" /> warning</span>
        <span className="health-critical"><i className="dot" /> critical</span>
        <span className="health-stale"><i className="dot" /> silent</span>
        <span className="drained" title="Every node of the site is drained: routing sends it no new work"><i className="dot" /> drained</span>
        <span className="drained-some" title="Some of the site's nodes are drained"><i className="dot" /> rim: some drained</span>
        <span className="ring">◯ open incident</span>
        <span>dot size: running capacity</span>
      </div>
    </div>
  );
});
