/** Network latency estimated from distance: light in fibre covers ~100 km per millisecond of round trip. */
export const MS_PER_KM = 0.01;
/** When the origin has no coordinates: same country is near, anywhere else is this far. */
export const UNKNOWN_ORIGIN_FAR_MS = 40;

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function networkMs(origin: { country: string; lat: number | null; lon: number | null }, site: { country: string; lat: number; lon: number }): number {
  if (origin.lat === null || origin.lon === null) return origin.country === site.country ? 0 : UNKNOWN_ORIGIN_FAR_MS;
  // Rounded so that a replay on another machine's floating point lands on the same figure.
  return Math.round(haversineKm(origin.lat, origin.lon, site.lat, site.lon) * MS_PER_KM * 100) / 100;
}
