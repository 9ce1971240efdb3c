import type { Corridor, Site } from '../../../src-shared/contract/grid';
import type { CorridorOverlay, SiteOverlay } from '../../../src-shared/contract/network';
import { SEVERITIES } from '../../../src-shared/domain/incident-lifecycle';
import { corridorLinks, type SiteFigure } from '../../../src-shared/domain/network';
import { failoverFlows, shownHealth } from '../../../src-shared/domain/network-overlay';
import type { Health } from '../../../src-shared/domain/node-health';
import { outlineOf } from './basemap';
import type { Arc, Boundary, Ring, SiteLook, SitePoint } from './map-layers';
import { corridorColor, type MapPalette, type Rgba } from './palette';

/*
 * From the stores' data to the map's inputs, one piece at a time so the view can memoise each on
 * what it depends on: positions and arcs on the shown sites, looks on the figures, shading on the
 * corridors and the selection.
 */

export function sitePoints(figures: readonly SiteFigure[]): SitePoint[] {
  return figures.map((f) => ({ id: f.id, corridorId: f.corridorId, position: [f.longitude, f.latitude] }));
}

export function siteLooks(figures: readonly SiteFigure[], overlay: readonly CorridorOverlay[] | undefined): Map<string, SiteLook> {
  const declared = new Map((overlay ?? []).map((c) => [c.corridorId, c.component?.state ?? null]));
  return new Map(figures.map((f) => [f.id, { capacity: f.capacity, health: shownHealth(f.health, declared.get(f.corridorId)), drain: f.drain }]));
}

export function linkArcs(points: readonly SitePoint[], corridors: readonly Corridor[]): Arc[] {
  const byId = new Map(points.map((p) => [p.id, p]));
  const colour = new Map(corridors.map((c) => [c.id, corridorColor(c, 150)]));
  const asSites = points.map((p) => ({ id: p.id, corridorId: p.corridorId, longitude: p.position[0], latitude: p.position[1] }));
  return corridorLinks(asSites).map((l) => ({ id: l.id, from: byId.get(l.from)!.position, to: byId.get(l.to)!.position, color: colour.get(l.corridorId) ?? [128, 128, 128, 150], width: 1.2 }));
}

/** Failover arcs, as wide as the capacity they carry (1 px per 20k tokens/s, 2–8 px). */
export function flowArcs(figures: readonly SiteFigure[], looks: ReadonlyMap<string, SiteLook>, palette: MapPalette): Arc[] {
  const byId = new Map(figures.map((f) => [f.id, f]));
  const health = (f: SiteFigure): Health => looks.get(f.id)?.health ?? f.health;
  return failoverFlows(figures, health).map((fl) => {
    const a = byId.get(fl.from)!;
    const b = byId.get(fl.to)!;
    return { id: fl.id, from: [a.longitude, a.latitude], to: [b.longitude, b.latitude], color: palette.health[fl.health], width: Math.max(2, Math.min(8, fl.capacity / 20_000)) };
  });
}

/** Countries a corridor covers: its allowed list, or where its sites are when it allows any country. */
export function corridorCountries(c: Corridor, sites: readonly Pick<Site, 'corridorId' | 'country'>[]): string[] {
  if (c.policy.allowedCountries.length > 0) return c.policy.allowedCountries;
  return [...new Set(sites.filter((s) => s.corridorId === c.id).map((s) => s.country))];
}

export function shading(corridors: readonly Corridor[], sites: readonly Site[], selectedCorridorId: string | null, palette: MapPalette, alpha: number): Map<string, Rgba> {
  const out = new Map<string, Rgba>();
  for (const c of corridors) for (const iso of corridorCountries(c, sites)) if (!out.has(iso)) out.set(iso, corridorColor(c, alpha));
  const selected = corridors.find((c) => c.id === selectedCorridorId);
  // The selected corridor's blocked countries: where its data must never go.
  for (const iso of selected?.policy.blockedCountries ?? []) out.set(iso, palette.blocked);
  return out;
}

const SEVERITY_RANK = (s: (typeof SEVERITIES)[number]) => SEVERITIES.indexOf(s);

export function boundaries(corridors: readonly Corridor[], sites: readonly Site[], overlay: readonly CorridorOverlay[] | undefined, selectedCorridorId: string | null, palette: MapPalette): Boundary[] {
  const byCorridor = new Map((overlay ?? []).map((o) => [o.corridorId, o]));
  const out: Boundary[] = [];
  for (const c of corridors) {
    const outline = outlineOf(corridorCountries(c, sites));
    if (!outline) continue;
    const open = (byCorridor.get(c.id)?.incidents ?? []).filter((i) => !i.drill);
    const worst = open.sort((a, b) => SEVERITY_RANK(a.severity) - SEVERITY_RANK(b.severity))[0];
    out.push({
      ...outline,
      properties: {
        corridorId: c.id,
        color: worst ? palette.severity[worst.severity] : corridorColor(c, 230),
        width: c.id === selectedCorridorId ? 3.5 : worst ? 3 : 1.5,
      },
    });
  }
  return out;
}

/** A ring around each shown site with an open incident on it or its nodes, in the worst severity's colour. */
export function incidentRings(points: readonly SitePoint[], overlay: readonly SiteOverlay[] | undefined, palette: MapPalette): Ring[] {
  const byId = new Map(points.map((p) => [p.id, p]));
  const out: Ring[] = [];
  for (const s of overlay ?? []) {
    const p = byId.get(s.siteId);
    const worst = [...s.incidents].sort((a, b) => SEVERITY_RANK(a.severity) - SEVERITY_RANK(b.severity))[0];
    if (p && worst) out.push({ siteId: s.siteId, position: p.position, color: palette.severity[worst.severity] });
  }
  return out;
}
