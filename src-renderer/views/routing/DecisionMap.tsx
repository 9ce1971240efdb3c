import { useMemo } from 'react';
import type { Geometry } from 'geojson';
import { countries } from '../network/basemap';

export interface MapPoint {
  name: string;
  lat: number;
  lon: number;
  role: 'selected' | 'fallback';
}

/** Equirectangular: x = lon + 180, y = 90 − lat. Plenty for "where did it go", and cheap to draw. */
const x = (lon: number) => lon + 180;
const y = (lat: number) => 90 - lat;

function pathOf(g: Geometry): string {
  const rings = g.type === 'Polygon' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : [];
  return rings.map((ring) => `M${ring.map(([lon, lat]) => `${x(lon as number).toFixed(2)},${y(lat as number).toFixed(2)}`).join('L')}Z`).join('');
}

/**
 * The chosen and fallback sites of a decision on the bundled offline basemap (the same Natural
 * Earth countries as the Network view), framed around them.
 */
export default function DecisionMap({ points }: { points: readonly MapPoint[] }) {
  const land = useMemo(() => countries().features.map((f, i) => <path key={i} d={pathOf(f.geometry)} />), []);
  const minLon = Math.min(...points.map((p) => p.lon));
  const maxLon = Math.max(...points.map((p) => p.lon));
  const minLat = Math.min(...points.map((p) => p.lat));
  const maxLat = Math.max(...points.map((p) => p.lat));
  const span = Math.max(40, maxLon - minLon + 20, (maxLat - minLat + 20) * 2);
  const cx = x((minLon + maxLon) / 2);
  const cy = y((minLat + maxLat) / 2);
  const vb = [cx - span / 2, cy - span / 4, span, span / 2].map((n) => n.toFixed(1)).join(' ');
  const r = span / 120;
  return (
    <svg className="decision-map" data-testid="decision-map" viewBox={vb} role="img" aria-label={points.map((p) => `${p.role}: ${p.name}`).join('; ')} style={{ width: '100%', maxWidth: 640, height: 'auto', background: 'var(--bg-2, #111)' }}>
      <g fill="var(--map-land, #2a3140)" stroke="var(--map-border, #3b4456)" strokeWidth={span / 1500}>
        {land}
      </g>
      {points.map((p) => (
        <g key={`${p.role}-${p.name}`} data-role={p.role}>
          <circle cx={x(p.lon)} cy={y(p.lat)} r={r} fill={p.role === 'selected' ? 'var(--ok, #3fb950)' : 'var(--warn, #d29922)'} stroke="#000" strokeWidth={r / 5} />
          {/* Labels point inward, so one near the frame's right edge is not cut off. */}
          <text
            x={x(p.lon) > cx ? x(p.lon) - r * 1.5 : x(p.lon) + r * 1.5}
            y={y(p.lat) + r / 2}
            textAnchor={x(p.lon) > cx ? 'end' : 'start'}
            fontSize={r * 2.2}
            fill="var(--fg, #ddd)"
          >
            {p.role === 'selected' ? 'chosen' : 'fallback'}: {p.name}
          </text>
        </g>
      ))}
    </svg>
  );
}
