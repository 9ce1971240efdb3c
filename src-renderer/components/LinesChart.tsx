import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useSystem } from '../stores/system-store';
import { axisFor } from './chart-axis';

export interface Line {
  label: string;
  /** A theme colour variable, e.g. --accent; read at draw time so both themes work. */
  color: string;
  values: (number | null)[];
  /** Dashed (true) or dotted: with the colour, tells lines apart for colour-blind eyes too. */
  dash?: boolean | 'dot';
  /** Drawn fainter (a band around the main line, e.g. a bucket's minimum and maximum). */
  faint?: boolean;
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
  // Every figure of a simulated org (the demo) is made up, the generated first hour included: the
  // chart says so wherever it is drawn.
  const simulated = useSystem((s) => s.info?.session?.orgSimulated ?? false);
  const axis = useMemo(() => axisFor(lines.flatMap((l) => l.values), unit), [lines, unit]);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const grid = cssVar('--border');
    const text = cssVar('--text-dim');
    const style = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: node.clientWidth || 400,
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: () => [axis.min, axis.max] } },
        axes: [style, { ...style, splits: () => axis.ticks, values: () => axis.labels, size: yAxisSize }],
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: cssVar(l.color), width: l.dash ? 1.5 : 2, ...(l.dash ? { dash: l.dash === 'dot' ? [2, 3] : [6, 3] } : {}), ...(l.faint ? { alpha: 0.45 } : {}) }))],
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
  }, [t, lines, theme, height, axis]);
  const points = lines[0]?.values.filter((v) => v !== null).length ?? 0;
  return (
    <figure className="chart" data-testid={testId} data-points={points} data-unit={axis.unit} data-ticks={axis.labels.join('|')}>
      <figcaption>
        {title} <span className="faint">({axis.unit})</span>
        {simulated && (
          <span className="sim-tag" data-testid="simulated" title="This org is a demo: its telemetry is simulated, and its first hour is generated history.">
            simulated
          </span>
        )}
        {points === 0 && <span className="faint"> · {empty}</span>}
        <span className="chart-legend">
          {lines.map((l) => (
            <span key={l.label}>
              <i style={{ borderTop: `${l.dash ? 2 : 3}px ${l.dash === 'dot' ? 'dotted' : l.dash ? 'dashed' : 'solid'} var(${l.color})` }} />
              {l.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={el} />
    </figure>
  );
}
