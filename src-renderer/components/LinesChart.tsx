import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  /** A theme colour variable, e.g. --accent; read at draw time so both themes work. */
  color: string;
  values: (number | null)[];
  dash?: boolean;
  /** Drawn fainter (a band around the main line, e.g. a bucket's minimum and maximum). */
  faint?: boolean;
}

const compact = [0, 1, 2, 3].map((d) => new Intl.NumberFormat('en-US', { notation: 'compact', minimumFractionDigits: d, maximumFractionDigits: d }));

/** The fewest decimals (up to 3) that write x exactly. */
function decimalsFor(x: number): number {
  for (let d = 0; d < 3; d++) if (Math.abs(x * 10 ** d - Math.round(x * 10 ** d)) < 1e-6) return d;
  return 3;
}

/**
 * Y labels short enough to fit ("120K", "1.45M", "0.175"), with as many decimals as the step
 * between ticks needs, so neighbouring ticks never read the same; uPlot's own print every digit.
 */
function yLabels(_u: uPlot, splits: number[]): string[] {
  const step = splits.length > 1 ? Math.abs((splits[1] as number) - (splits[0] as number)) : 1;
  const top = Math.max(...splits.map((v) => Math.abs(v ?? 0)));
  // Compact notation divides by its unit (K, M, B): the step counts in that unit.
  const unit = top >= 1e9 ? 1e9 : top >= 1e6 ? 1e6 : top >= 1e3 ? 1e3 : 1;
  const d = decimalsFor(step / unit);
  return splits.map((v) => (v === null || v === undefined ? '' : unit > 1 ? (compact[d] as Intl.NumberFormat).format(v) : v.toFixed(d)));
}

/** As wide as the longest label needs, so none is clipped at the chart's left edge. */
function yAxisSize(u: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
  const axis = u.axes[axisIdx] as uPlot.Axis & { _size?: number };
  if (cycleNum > 1 && axis._size) return axis._size;
  const longest = (values ?? []).reduce((a, v) => (v.length > a.length ? v : a), '');
  u.ctx.font = (axis.font as unknown as [string])?.[0] ?? u.ctx.font;
  const width = longest ? u.ctx.measureText(longest).width / (window.devicePixelRatio || 1) : 0;
  return Math.ceil(width + 18);
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/**
 * Several lines over one time axis (seconds), gaps kept as gaps; uPlot draws thousands of points
 * in milliseconds. `data-points` counts the first line's figures (the main one).
 */
export function LinesChart({
  title,
  unit,
  t,
  lines,
  theme,
  testId,
  height = 160,
  empty = 'no figures in this window yet',
}: {
  title: string;
  unit: string;
  t: number[];
  lines: Line[];
  theme: string;
  testId: string;
  height?: number;
  /** What the caption says when the window has no figures. */
  empty?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const grid = cssVar('--border');
    const text = cssVar('--text-dim');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: node.clientWidth || 400,
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [axis, { ...axis, values: yLabels, size: yAxisSize }],
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: cssVar(l.color), width: l.dash ? 1 : 2, ...(l.dash ? { dash: [4, 3] } : {}), ...(l.faint ? { alpha: 0.45 } : {}) }))],
      },
      [t, ...lines.map((l) => l.values)] as uPlot.AlignedData,
      node,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: node.clientWidth, height }));
    resize.observe(node);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [t, lines, theme, height]);
  const points = lines[0]?.values.filter((v) => v !== null).length ?? 0;
  return (
    <figure className="chart" data-testid={testId} data-points={points}>
      <figcaption>
        {title} <span className="faint">({unit})</span>
        {points === 0 && <span className="faint"> · {empty}</span>}
        <span className="chart-legend">
          {lines.map((l) => (
            <span key={l.label}>
              <i style={{ background: `var(${l.color})` }} />
              {l.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={el} />
    </figure>
  );
}
