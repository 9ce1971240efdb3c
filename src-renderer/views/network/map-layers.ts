import type { Layer } from '@deck.gl/core';
import { ArcLayer, GeoJsonLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Feature, FeatureCollection, Geometry, MultiPolygon } from 'geojson';
import type { DrainState } from '../../../src-shared/domain/network';
import type { Health } from '../../../src-shared/domain/node-health';
import type { CountryProps } from './basemap';
import type { MapPalette, Rgba } from './palette';

/**
 * The corridor map as deck.gl layers. Structure (which sites, where, which arcs) and figures
 * (each site's capacity and health) are separate inputs: a telemetry tick hands new figures and a
 * new `figuresVersion`, and deck.gl recomputes only the colour and size attributes of the site
 * layer (updateTriggers), not positions, arcs or the basemap.
 */
export interface SitePoint {
  id: string;
  corridorId: string;
  position: [number, number];
}

export interface SiteLook {
  capacity: number;
  health: Health;
  /** Drained nodes (from the node records): all → the dot is drawn in the drained colour; some → its rim is. */
  drain: DrainState;
}

export interface Arc {
  id: string;
  from: [number, number];
  to: [number, number];
  color: Rgba;
  width: number;
}

/**
 * A corridor's residency boundary, already a GeoJSON feature: the layer gets the caller's array
 * as is, so an unchanged boundary list (the usual telemetry tick) is not re-processed.
 */
export type Boundary = Feature<MultiPolygon, { corridorId: string; color: Rgba; width: number }>;

export interface Ring {
  siteId: string;
  position: [number, number];
  color: Rgba;
}

export interface MapModel {
  palette: MapPalette;
  countries: FeatureCollection<Geometry, CountryProps>;
  /** Fill per country code; others are plain land. */
  shading: ReadonlyMap<string, Rgba>;
  shadingVersion: string;
  boundaries: readonly Boundary[];
  sites: readonly SitePoint[];
  looks: ReadonlyMap<string, SiteLook>;
  figuresVersion: number;
  /** The largest running capacity among the shown sites (dot sizes are relative to it). */
  maxCapacity: number;
  links: readonly Arc[];
  flows: readonly Arc[];
  rings: readonly Ring[];
  selectedSiteId: string | null;
  hoveredSiteId?: string | null;
}

/**
 * Pixels: a site's dot area grows with its running capacity relative to the largest site shown
 * (3 px with none running, 12 px for the largest).
 */
export function siteRadius(capacity: number, maxCapacity: number): number {
  if (capacity <= 0 || maxCapacity <= 0) return 3;
  return 3 + 9 * Math.sqrt(Math.min(1, capacity / maxCapacity));
}

export function buildLayers(m: MapModel): Layer[] {
  const p = m.palette;
  const unknown: SiteLook = { capacity: 0, health: 'unknown', drain: 'none' };
  const look = (id: string) => m.looks.get(id) ?? unknown;
  return [
    new GeoJsonLayer<CountryProps>({
      id: 'countries',
      data: m.countries as never,
      filled: true,
      stroked: true,
      getFillColor: (f) => m.shading.get((f.properties as CountryProps).iso) ?? p.land,
      getLineColor: p.border,
      lineWidthUnits: 'pixels',
      getLineWidth: 0.6,
      updateTriggers: { getFillColor: [m.shadingVersion] },
    }),
    new GeoJsonLayer({
      id: 'residency',
      data: m.boundaries as never,
      filled: false,
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineColor: (f) => (f.properties as { color: Rgba }).color,
      getLineWidth: (f) => (f.properties as { width: number }).width,
    }),
    new ArcLayer<Arc>({
      id: 'links',
      data: m.links as Arc[],
      getSourcePosition: (a) => a.from,
      getTargetPosition: (a) => a.to,
      getSourceColor: (a) => a.color,
      getTargetColor: (a) => a.color,
      getWidth: (a) => a.width,
      getHeight: 0.25,
      // Links join neighbouring sites of a corridor: short, low arcs that 16 segments draw as
      // smoothly as the default 50, at a third of the vertices (arcs are most of the map's work).
      numSegments: 16,
    }),
    new ArcLayer<Arc>({
      id: 'flows',
      data: m.flows as Arc[],
      getSourcePosition: (a) => a.from,
      getTargetPosition: (a) => a.to,
      getSourceColor: (a) => a.color,
      getTargetColor: p.health.healthy,
      getWidth: (a) => a.width,
      getHeight: 0.6,
      numSegments: 24,
    }),
    new ScatterplotLayer<Ring>({
      id: 'incident-rings',
      data: m.rings as Ring[],
      getPosition: (r) => r.position,
      filled: false,
      stroked: true,
      radiusUnits: 'pixels',
      lineWidthUnits: 'pixels',
      getRadius: (r) => siteRadius(look(r.siteId).capacity, m.maxCapacity) + 5,
      getLineColor: (r) => r.color,
      getLineWidth: 2.5,
      updateTriggers: { getRadius: [m.figuresVersion] },
    }),
    new ScatterplotLayer<SitePoint>({
      id: 'sites',
      data: m.sites as SitePoint[],
      // Not pickable: the view finds the site under the pointer on the CPU (see nearestSite), which
      // spares a GPU picking pass and its read-back on every pointer move.
      getPosition: (s) => s.position,
      radiusUnits: 'pixels',
      lineWidthUnits: 'pixels',
      stroked: true,
      getRadius: (s) => siteRadius(look(s.id).capacity, m.maxCapacity),
      // A fully drained site takes no new work whatever its nodes' health: it is drawn as drained.
      getFillColor: (s) => (look(s.id).drain === 'all' ? p.drained : p.health[look(s.id).health]),
      getLineColor: (s) => (s.id === m.selectedSiteId ? p.focus : look(s.id).drain === 'some' ? p.drained : p.water),
      getLineWidth: (s) => (s.id === m.selectedSiteId ? 3 : look(s.id).drain === 'some' ? 2.5 : 1),
      updateTriggers: {
        getRadius: [m.figuresVersion],
        getFillColor: [m.figuresVersion, p],
        getLineColor: [m.selectedSiteId, m.figuresVersion, p],
        getLineWidth: [m.selectedSiteId, m.figuresVersion],
      },
    }),
  ];
}

/**
 * The site drawn under a screen point (pixels in the map), if any: the nearest whose dot, plus a
 * few pixels of slack, covers it. 1,000 sites take well under a millisecond to project.
 */
export function nearestSite(
  project: (lngLat: [number, number]) => number[],
  sites: readonly SitePoint[],
  looks: ReadonlyMap<string, SiteLook>,
  maxCapacity: number,
  x: number,
  y: number,
  slack = 3,
): SitePoint | null {
  let best: SitePoint | null = null;
  let bestD = Infinity;
  for (const s of sites) {
    const [px, py] = project(s.position);
    const r = siteRadius(looks.get(s.id)?.capacity ?? 0, maxCapacity) + slack;
    const d = (px! - x) ** 2 + (py! - y) ** 2;
    if (d <= r * r && d < bestD) {
      best = s;
      bestD = d;
    }
  }
  return best;
}
