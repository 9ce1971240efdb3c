import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Series } from '../../src-shared/contract/grid';

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/**
 * One metric over time: average as a line, minimum and maximum of each bucket as faint lines.
 * uPlot draws tens of thousands of points in a few milliseconds; gaps (null) stay gaps.
 */
export function TimeChart({ series, height = 140, theme }: { series: Series; height?: number; theme: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const accent = cssVar('--accent');
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
        axes: [axis, { ...axis, size: 56 }],
        series: [
          {},
          { label: 'max', stroke: accent, width: 1, dash: [3, 3], alpha: 0.45 },
          { label: 'avg', stroke: accent, width: 2 },
          { label: 'min', stroke: accent, width: 1, dash: [3, 3], alpha: 0.45 },
        ],
      },
      [series.t, series.max, series.avg, series.min] as uPlot.AlignedData,
      node,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: node.clientWidth, height }));
    resize.observe(node);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, height, theme]);
  const points = series.avg.filter((v) => v !== null).length;
  return (
    <figure className="chart" data-testid={`chart-${series.metric}`} data-points={points}>
      <figcaption>
        {series.label} <span className="faint">({series.unit})</span>
        {points === 0 && <span className="faint"> · no data in this window</span>}
      </figcaption>
      <div ref={el} />
    </figure>
  );
}
