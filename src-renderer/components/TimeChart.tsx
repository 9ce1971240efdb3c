import { useMemo } from 'react';
import type { Series } from '../../src-shared/contract/grid';
import { LinesChart } from './LinesChart';

/**
 * One metric over time: the average as the main line, each bucket's maximum and minimum in their
 * own colours and strokes (dashed, dotted), named in the legend.
 */
export function TimeChart({ series, height = 140, theme }: { series: Series; height?: number; theme: string }) {
  // Kept while the series is the same: the chart is rebuilt when its lines change.
  const lines = useMemo(
    () => [
      { label: 'average', color: '--accent', values: series.avg },
      { label: 'maximum', color: '--partial', values: series.max, dash: true },
      { label: 'minimum', color: '--ok', values: series.min, dash: 'dot' as const },
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
