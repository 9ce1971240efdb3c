/**
 * A chart's y axis: a range and ticks that show the data, in a unit that reads well ("150 GB", not
 * "140.000K MB"; "0.2 %", not "0"). Pure, so the rules are tested without a browser.
 */
export interface Axis {
  min: number;
  max: number;
  /** In the data's own unit (what uPlot draws). */
  ticks: number[];
  /** In the display unit, with as many decimals as the step needs (all the same). */
  labels: string[];
  /** The display unit, e.g. "GB" for data in MB. */
  unit: string;
}

interface Scale {
  unit: string;
  /** Data units per display unit. */
  factor: number;
}

/** Units that have a better-known bigger (or, for ratios, a better-read) unit. */
const SCALES: Record<string, Scale[]> = {
  MB: [
    { unit: 'MB', factor: 1 },
    { unit: 'GB', factor: 1e3 },
    { unit: 'TB', factor: 1e6 },
  ],
  ms: [
    { unit: 'ms', factor: 1 },
    { unit: 's', factor: 1e3 },
  ],
  W: [
    { unit: 'W', factor: 1 },
    { unit: 'kW', factor: 1e3 },
    { unit: 'MW', factor: 1e6 },
  ],
  Wh: [
    { unit: 'Wh', factor: 1 },
    { unit: 'kWh', factor: 1e3 },
    { unit: 'MWh', factor: 1e6 },
  ],
  '%': [{ unit: '%', factor: 1 }],
  '°C': [{ unit: '°C', factor: 1 }],
  // Error rates are stored as 0..1; people read per cent.
  ratio: [{ unit: '%', factor: 0.01 }],
};

function scalesFor(unit: string): Scale[] {
  return (
    SCALES[unit] ?? [
      { unit, factor: 1 },
      { unit: `thousand ${unit}`, factor: 1e3 },
      { unit: `million ${unit}`, factor: 1e6 },
      { unit: `billion ${unit}`, factor: 1e9 },
    ]
  );
}

/** 1, 2, 2.5 or 5 times a power of ten, the smallest at least `raw`. */
export function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** The fewest decimals (up to 6) that write x exactly. */
function decimalsFor(x: number): number {
  for (let d = 0; d < 6; d++) if (Math.abs(x * 10 ** d - Math.round(x * 10 ** d)) < 1e-6 * 10 ** d) return d;
  return 6;
}

const clean = (x: number) => Number(x.toPrecision(12));

/**
 * `values`: every figure the chart draws (nulls are gaps). Zero is on the axis when the data are
 * not negative and span at least half of their top, or under 1 % of it (a flat or spread line is
 * not exaggerated); a narrow band far from zero (latency 118–125 ms) gets its own range so its changes show.
 */
export function axisFor(values: readonly (number | null | undefined)[], unit: string, targetTicks = 4): Axis {
  const scales = scalesFor(unit);
  const base = scales[0]!;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = base.factor;
  }
  // Under 1 % of its level, a band is noise: drawn from zero it reads as the flat line it is.
  if (lo >= 0 && (lo <= hi * 0.5 || hi - lo < hi * 0.01)) lo = 0;
  if (hi === lo) hi = lo === 0 ? base.factor : lo + Math.abs(lo) * 0.1;
  if (lo !== 0) {
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / targetTicks);
  const min = clean(Math.floor(lo / step + 1e-9) * step);
  let max = clean(Math.ceil(hi / step - 1e-9) * step);
  if (max <= min) max = clean(min + step);
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(clean(min + i * step));
  const top = Math.max(Math.abs(min), Math.abs(max));
  const scale = [...scales].reverse().find((s) => top / s.factor >= 1) ?? base;
  const d = decimalsFor(step / scale.factor);
  const fmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  return { min, max, ticks, labels: ticks.map((t) => fmt.format(clean(t / scale.factor))), unit: scale.unit };
}
