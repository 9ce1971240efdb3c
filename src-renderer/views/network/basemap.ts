import type { Feature, FeatureCollection, Geometry, MultiPolygon } from 'geojson';
import { feature, merge } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';
import countries50m from 'world-atlas/countries-50m.json';
import type { CountryShape } from '../../../src-shared/domain/geo';
import { ISO_ALPHA2, ISO_NUMERIC } from '../../../src-shared/domain/iso-numeric';

/**
 * The offline basemap: Natural Earth countries bundled with the app (world-atlas), turned into
 * GeoJSON once. No tile server, no network. Countries are keyed by ISO alpha-2, the codes residency
 * policies use. The 1:110m set draws the world (a tenth of the 1:50m vertices: every frame is
 * cheaper, which matters most where WebGL runs in software); the countries too small for it
 * (Singapore, Hong Kong, Bahrain, Malta, …) come from the 1:50m set, so no corridor loses one.
 */
export interface CountryProps {
  name: string;
  /** ISO 3166-1 alpha-2, or '' for areas without one (e.g. disputed territories). */
  iso: string;
}

type CountriesTopology = Topology<{ countries: GeometryCollection<{ name: string }> }>;

const coarse = countries110m as unknown as CountriesTopology;
const fine = countries50m as unknown as CountriesTopology;
const inCoarse = new Set(coarse.objects.countries.geometries.map((g) => String(g.id)));
/** The 1:50m countries the 1:110m set leaves out. */
const fineOnly = fine.objects.countries.geometries.filter((g) => g.id !== undefined && !inCoarse.has(String(g.id)));
let cached: FeatureCollection<Geometry, CountryProps> | null = null;

type Ring = number[][];

/**
 * A ring that crosses the antimeridian (Russia's east, Fiji, the Aleutians) would be drawn as a
 * line across the whole map. Such a ring is moved to continue past 180° instead.
 */
function unwrap(ring: Ring): Ring {
  let east = false;
  let west = false;
  for (const [lon, lat] of ring) {
    // Antarctica runs the whole width along the pole; it is already drawn right.
    if (lat! < -80) return ring;
    if (lon! > 170) east = true;
    else if (lon! < -170) west = true;
  }
  return east && west ? ring.map(([lon, lat]) => [lon! < 0 ? lon! + 360 : lon!, lat!]) : ring;
}

function unwrapGeometry<G extends Geometry>(g: G): G {
  if (g.type === 'Polygon') return { ...g, coordinates: g.coordinates.map(unwrap) };
  if (g.type === 'MultiPolygon') return { ...g, coordinates: g.coordinates.map((p) => p.map(unwrap)) };
  return g;
}

export function countries(): FeatureCollection<Geometry, CountryProps> {
  if (cached) return cached;
  const base = feature(coarse, coarse.objects.countries) as FeatureCollection<Geometry, { name: string }>;
  const small = feature(fine, { type: 'GeometryCollection', geometries: fineOnly }) as FeatureCollection<Geometry, { name: string }>;
  cached = {
    type: 'FeatureCollection',
    features: [...base.features, ...small.features].map((f) => ({ ...f, geometry: unwrapGeometry(f.geometry), properties: { name: f.properties?.name ?? '', iso: ISO_ALPHA2[String(f.id ?? '')] ?? '' } })),
  };
  return cached;
}

/**
 * The outline of a set of countries as one shape (shared borders dissolved): a corridor's
 * residency boundary. Countries the basemap does not draw at this scale are left out.
 */
export function outlineOf(isoCodes: readonly string[]): Feature<MultiPolygon> | null {
  const wanted = new Set(isoCodes.map((c) => ISO_NUMERIC[c]).filter(Boolean));
  const parts: MultiPolygon['coordinates'] = [];
  for (const [topology, geometries] of [
    [coarse, coarse.objects.countries.geometries],
    [fine, fineOnly],
  ] as const) {
    const mine = geometries.filter((g) => wanted.has(String(g.id)));
    if (mine.length > 0) parts.push(...unwrapGeometry(merge(topology, mine as never)).coordinates);
  }
  return parts.length === 0 ? null : { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: parts } };
}

let shapes: CountryShape[] | null = null;

/** The countries as plain polygons, for checking where a point lies (domain/geo). */
export function countryShapes(): CountryShape[] {
  if (shapes) return shapes;
  shapes = countries().features.flatMap((f) => {
    const g = f.geometry;
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    return f.properties.iso && polygons.length ? [{ iso: f.properties.iso, name: f.properties.name, polygons }] : [];
  });
  return shapes;
}
