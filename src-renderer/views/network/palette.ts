import type { Corridor } from '../../../src-shared/contract/grid';
import type { Severity } from '../../../src-shared/domain/incident-lifecycle';
import type { Health } from '../../../src-shared/domain/node-health';

export type Rgba = [number, number, number, number];

/** The map's colours, read from the theme's CSS variables so the map follows dark and light. */
export interface MapPalette {
  water: Rgba;
  land: Rgba;
  border: Rgba;
  text: Rgba;
  focus: Rgba;
  blocked: Rgba;
  /** A drained site (all its nodes draining), and the rim of a partly drained one. */
  drained: Rgba;
  health: Record<Health, Rgba>;
  severity: Record<Severity, Rgba>;
}

function parse(value: string, alpha = 255): Rgba {
  const hex = value.trim().replace('#', '');
  if (/^[0-9a-f]{6}$/i.test(hex)) return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16), alpha];
  const m = value.match(/(\d+)[, ]+(\d+)[, ]+(\d+)/);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), alpha] : [128, 128, 128, alpha];
}

export function readPalette(el: Element = document.documentElement): MapPalette {
  const css = getComputedStyle(el);
  const v = (name: string, alpha?: number) => parse(css.getPropertyValue(name) || '#808080', alpha);
  return {
    water: v('--bg-sunken'),
    land: v('--bg-raised'),
    border: v('--border-strong'),
    text: v('--text'),
    focus: v('--focus'),
    blocked: v('--bad', 70),
    drained: v('--maint'),
    health: { healthy: v('--ok'), warning: v('--warn'), critical: v('--bad'), stale: v('--text-faint'), unknown: v('--border-strong') },
    severity: { critical: v('--bad'), high: v('--partial'), medium: v('--warn'), low: v('--maint') },
  };
}

/** Fixed hues per region, distinct from the health colours; customer corridors get one from their id. */
const REGION_HUES: Record<Corridor['region'], number> = { apac: 190, africa: 35, eu: 220, mena: 280, north_america: 150, custom: -1 };

function hsl(h: number, s: number, l: number, a: number): Rgba {
  const k = (n: number) => (n + h / 30) % 12;
  const f = (n: number) => l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255), a];
}

export function corridorColor(c: Pick<Corridor, 'id' | 'region'>, alpha = 255): Rgba {
  let hue = REGION_HUES[c.region];
  if (hue < 0) {
    let h = 0;
    for (const ch of c.id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    hue = h % 360;
  }
  return hsl(hue, 0.55, 0.55, alpha);
}

export const cssColor = (c: Rgba) => `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${(c[3] / 255).toFixed(2)})`;
