/**
 * Whether a site's coordinates lie in the country it names. Plain geometry on the basemap's
 * Natural Earth outlines (longitude/latitude degrees), so it runs wherever those are loaded.
 */

/** A polygon: its outer ring, then its holes; each ring a list of [lon, lat]. */
export type Polygon = number[][][];

export interface CountryShape {
  /** ISO 3166-1 alpha-2. */
  iso: string;
  name: string;
  polygons: Polygon[];
}

/**
 * Coastlines at 1:110m cut corners: a port city can sit a few kilometres "at sea". A point this
 * close to the named country's outline (about 80 km) counts as in it.
 */
export const COAST_TOLERANCE_DEG = 0.75;

function inRing(lon: number, lat: number, ring: number[][]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(lon: number, lat: number, p: Polygon): boolean {
  const [outer, ...holes] = p;
  return !!outer && inRing(lon, lat, outer) && !holes.some((h) => inRing(lon, lat, h));
}

/** The basemap moves rings across the antimeridian past 180°, so a point is tried there too. */
function contains(shape: CountryShape, lon: number, lat: number): boolean {
  return shape.polygons.some((p) => inPolygon(lon, lat, p) || (lon < 0 && inPolygon(lon + 360, lat, p)));
}

/** Shortest distance from the point to the shape's outline, in degrees (longitude scaled by latitude). */
function distanceTo(shape: CountryShape, lon: number, lat: number): number {
  const k = Math.cos((lat * Math.PI) / 180);
  let best = Infinity;
  for (const p of shape.polygons) {
    for (const ring of p) {
      for (let i = 1; i < ring.length; i++) {
        const [ax, ay] = ring[i - 1] as [number, number];
        const [bx, by] = ring[i] as [number, number];
        for (const x of lon < 0 ? [lon, lon + 360] : [lon]) {
          const [px, py, qx, qy, rx, ry] = [x * k, lat, ax * k, ay, bx * k, by];
          const dx = rx - qx;
          const dy = ry - qy;
          const t = dx === 0 && dy === 0 ? 0 : Math.max(0, Math.min(1, ((px - qx) * dx + (py - qy) * dy) / (dx * dx + dy * dy)));
          best = Math.min(best, Math.hypot(px - (qx + t * dx), py - (qy + t * dy)));
        }
      }
    }
  }
  return best;
}

/** The country the point lies in, if any. */
export function countryAt(shapes: readonly CountryShape[], lon: number, lat: number): CountryShape | null {
  return shapes.find((s) => contains(s, lon, lat)) ?? null;
}

/**
 * Does the point lie in (or just off the coast of) the named country? `known: false` when the
 * basemap has no outline for that code, so nothing can be said either way.
 */
export function coordinatesMatchCountry(
  shapes: readonly CountryShape[],
  iso: string,
  lon: number,
  lat: number,
): { known: boolean; ok: boolean; actual: CountryShape | null } {
  const named = shapes.filter((s) => s.iso === iso);
  const actual = countryAt(shapes, lon, lat);
  if (named.length === 0) return { known: false, ok: true, actual };
  if (actual?.iso === iso) return { known: true, ok: true, actual };
  // At sea or across a border: near enough to the named country's outline still counts, unless
  // the point is plainly inside another country.
  const near = named.some((s) => distanceTo(s, lon, lat) <= COAST_TOLERANCE_DEG);
  return { known: true, ok: near && (actual === null || distanceTo(actual, lon, lat) <= COAST_TOLERANCE_DEG), actual };
}
