import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { AuditEvent } from '../../../src-shared/contract/audit';
import { ROLE_LABELS, type Role } from '../../../src-shared/contract/roles';
import { Time } from '../../components/Time';
import { subjectText } from './subject-text';

const COLUMNS = '64px 170px 1.2fr 1.8fr 2fr 150px';
const ROW = 44;

/**
 * The matching events, newest first, however many: only rows in view exist in the DOM, and the
 * next page is asked for as the end comes into view.
 */
export function AuditTable({
  events,
  selectedSeq,
  hasMore,
  onSelect,
  onOpen,
  onEnd,
}: {
  events: AuditEvent[];
  selectedSeq: number | null;
  hasMore: boolean;
  onSelect: (seq: number) => void;
  onOpen: (seq: number) => void;
  onEnd: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: events.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 });
  const items = virtual.getVirtualItems();
  const selectedIndex = events.findIndex((e) => e.seq === selectedSeq);
  useEffect(() => {
    if (selectedIndex >= 0) virtual.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtual]);
  const lastShown = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasMore && lastShown >= events.length - 5) onEnd();
  }, [hasMore, lastShown, events.length, onEnd]);

  return (
    <div className="vtable audit-table" role="table" aria-label="Audit events" aria-rowcount={events.length}>
      <div className="vhead" role="row" style={{ gridTemplateColumns: COLUMNS }}>
        <span role="columnheader">#</span>
        <span role="columnheader">When</span>
        <span role="columnheader">Who</span>
        <span role="columnheader">What</span>
        <span role="columnheader">Why</span>
        <span role="columnheader">Hash</span>
      </div>
      <div className="vbody" ref={scroller} tabIndex={0} aria-label="Audit events (j/k move, Enter opens)" style={{ height: 'calc(100vh - 360px)', minHeight: 220 }} data-testid="audit-scroller">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((v) => {
            const e = events[v.index]!;
            return (
              <div
                key={e.seq}
                id={`audit-${e.seq}`}
                className="vrow audit-row"
                role="row"
                aria-rowindex={v.index + 1}
                aria-selected={e.seq === selectedSeq}
                data-testid={`audit-row-${e.seq}`}
                style={{ transform: `translateY(${v.start}px)`, gridTemplateColumns: COLUMNS, height: ROW }}
                onClick={() => onSelect(e.seq)}
                onDoubleClick={() => onOpen(e.seq)}
              >
                <span role="cell" className="mono">
                  {e.seq}
                </span>
                <span role="cell" className="dim">
                  <Time iso={e.at} mode="local" />
                </span>
                <span role="cell">
                  {e.actor.name}
                  {e.actor.role && <div className="faint">{ROLE_LABELS[e.actor.role as Role] ?? e.actor.role}</div>}
                </span>
                <span role="cell">
                  <code>{e.action}</code>
                  <div className="faint" data-testid="audit-subject" title={subjectText(e)}>
                    {subjectText(e)}
                  </div>
                </span>
                <span role="cell" title={e.reason ?? undefined}>
                  {e.reason ?? <span className="faint">no reason given</span>}
                </span>
                <span role="cell" className="hash" title={e.hash}>
                  {e.hash.slice(0, 16)}…
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
