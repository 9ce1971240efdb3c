import { useMemo } from 'react';
import type { Series } from '../../src-shared/contract/grid';
import { LinesChart } from './LinesChart';

/** One metric over time: average as the line, each bucket's minimum and maximum as faint dashes. */
export function TimeChart({ series, height = 140, theme }: { series: Series; height?: number; theme: string }) {
  // Kept while the series is the same: the chart is rebuilt when its lines change.
  const lines = useMemo(
    () => [
      { label: 'avg', color: '--accent', values: series.avg },
      { label: 'max', color: '--accent', values: series.max, dash: true, faint: true },
      { label: 'min', color: '--accent', values: series.min, dash: true, faint: true },
    ],
    [series],
  );
  return (
    <LinesChart
      title={series.label}
      unit={series.unit}
      t={series.t}
      lines={lines}
      theme={theme}
      testId={`chart-${series.metric}`}
      height={height}
      empty="no data in this window"
    />
  );
}
