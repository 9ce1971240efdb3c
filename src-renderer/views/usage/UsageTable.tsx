import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useRef } from 'react';
import { csvText } from '../../../src-shared/domain/csv';

/** One column: its header, its width in the grid, and its value as text (what the CSV holds) and as shown. */
export interface Column<R> {
  /** The full name: the CSV header and the header's tooltip. */
  label: string;
  /** A shorter header for the screen, where many figure columns share a laptop's width. */
  short?: string;
  width: string;
  num?: boolean;
  text(r: R): string;
  cell?(r: R): ReactNode;
  /** A class for the cell (a peak above its commitment, a flagged window). */
  tone?(r: R): string | undefined;
  /** What the figure is computed over, shown on hover (an average's minutes); a text cell without one shows its whole text (a name cut to fit). */
  hint?(r: R): string;
}

const ROW = 28;

/** The CSV of exactly what a table shows: its columns, its rows. */
export function tableCsv<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  return csvText(
    columns.map((c) => c.label),
    rows.map((r) => columns.map((c) => c.text(r))),
  );
}

/**
 * Usage tables can be long (a customer per row, a model per row, an hour per row): only the rows
 * in view exist in the DOM, as in Nodes.
 */
export function UsageTable<R>({ label, columns, rows, rowKey, testId, selected, onSelect, height = 'calc(100vh - 420px)' }: {
  label: string;
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey(r: R): string;
  testId: string;
  selected?: string | null;
  onSelect?(r: R): void;
  height?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  // minmax(0, …): a column may shrink below its header's width (the header wraps), so many columns fit a laptop screen.
  const grid = columns.map((c) => `minmax(0, ${c.width})`).join(' ');
  return (
    <div className="vtable usage-table" role="table" aria-label={label} aria-rowcount={rows.length} data-testid={testId}>
      <div className="vhead" role="row" style={{ gridTemplateColumns: grid }}>
        {columns.map((c) => (
          <span key={c.label} role="columnheader" className={c.num ? 'num' : undefined} title={c.label}>
            {c.short ?? c.label}
          </span>
        ))}
      </div>
      <div className="vbody" ref={scroller} tabIndex={0} style={{ height, minHeight: Math.min(rows.length, 6) * ROW + 4, maxHeight: rows.length * ROW + 4 }}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((v) => {
            const r = rows[v.index]!;
            const key = rowKey(r);
            return (
              <div
                key={key}
                className="vrow"
                role="row"
                aria-rowindex={v.index + 1}
                aria-selected={selected === key}
                data-testid={`${testId}-row`}
                style={{ transform: `translateY(${v.start}px)`, gridTemplateColumns: grid, cursor: onSelect ? 'pointer' : 'default' }}
                onClick={onSelect ? () => onSelect(r) : undefined}
              >
                {columns.map((c) => (
                  <span key={c.label} role="cell" className={[c.num ? 'num' : '', c.tone?.(r) ?? ''].join(' ').trim() || undefined} title={c.hint?.(r) ?? (c.num ? undefined : c.text(r))}>
                    {c.cell ? c.cell(r) : c.text(r)}
                  </span>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
