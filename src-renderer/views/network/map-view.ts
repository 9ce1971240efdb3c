import { type MapViewState, WebMercatorViewport } from '@deck.gl/core';
import type { SitePoint } from './map-layers';

/** The view before any site is known: the whole world. */
export const WORLD: MapViewState = { longitude: 20, latitude: 20, zoom: 1.2, pitch: 0, bearing: 0 };

/** Where the sites are, with room around them; the whole world when there are none. */
export function fitView(points: readonly SitePoint[], width: number, height: number): MapViewState {
  if (points.length === 0 || width < 50 || height < 50) return WORLD;
  let [w, s, e, n] = [180, 90, -180, -90];
  for (const p of points) {
    w = Math.min(w, p.position[0]);
    e = Math.max(e, p.position[0]);
    s = Math.min(s, p.position[1]);
    n = Math.max(n, p.position[1]);
  }
  const v = new WebMercatorViewport({ width, height }).fitBounds(
    [
      [w, Math.max(-70, s)],
      [e, Math.min(75, n)],
    ],
    { padding: Math.min(60, width / 8, height / 8), maxZoom: 6 },
  );
  return { ...WORLD, longitude: v.longitude, latitude: v.latitude, zoom: v.zoom };
}
