import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { NodeRow, Site } from '../../../src-shared/contract/grid';
import { RUNTIME_LABELS } from '../../../src-shared/contract/grid';
import { HealthBadge, LifecycleBadge } from '../../components/GridBadges';
import { fmt, pct } from '../../components/format';
import { Time } from '../../components/Time';

const COLUMNS = '1.6fr 1.3fr 0.9fr 1fr 0.9fr 1.2fr 1fr 0.6fr 0.7fr 0.7fr 0.8fr 0.5fr';
const ROW = 28;

/**
 * All nodes, however many: only the rows in view (plus a margin) exist in the DOM, so 10,000
 * rows scroll as smoothly as 10.
 */
export function NodesTable({
  nodes,
  sitesById,
  corridorNames,
  selectedId,
  onSelect,
  onOpen,
}: {
  nodes: NodeRow[];
  sitesById: ReadonlyMap<string, Site>;
  corridorNames: ReadonlyMap<string, string>;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onOpen: (id: string) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: nodes.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const selectedIndex = nodes.findIndex((n) => n.id === selectedId);
  useEffect(() => {
    if (selectedIndex >= 0) virtual.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtual]);

  return (
    <div className="vtable" role="table" aria-label="Nodes" aria-rowcount={nodes.length}>
      <div className="vhead" role="row" style={{ gridTemplateColumns: COLUMNS }}>
        <span role="columnheader">Host</span>
        <span role="columnheader">Site</span>
        <span role="columnheader">Corridor</span>
        <span role="columnheader">Runtime</span>
        <span role="columnheader">Lifecycle</span>
        <span role="columnheader">Health</span>
        <span role="columnheader">Last seen</span>
        <span role="columnheader" className="num">
          GPU
        </span>
        <span role="columnheader" className="num">
          Util
        </span>
        <span role="columnheader" className="num">
          P95
        </span>
        <span role="columnheader" className="num">
          Errors
        </span>
        <span role="columnheader" className="num">
          Keys
        </span>
      </div>
      <div className="vbody" ref={scroller} tabIndex={0} aria-label="Nodes (j/k move, Enter opens)" style={{ height: 'calc(100vh - 250px)', minHeight: 240 }} data-testid="nodes-scroller">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((v) => {
            const n = nodes[v.index]!;
            const site = sitesById.get(n.siteId);
            return (
              <div
                key={n.id}
                className="vrow"
                role="row"
                aria-rowindex={v.index + 1}
                aria-selected={n.id === selectedId}
                data-testid={`node-${n.hostname}`}
                style={{ transform: `translateY(${v.start}px)`, gridTemplateColumns: COLUMNS }}
                onClick={() => onSelect(n.id)}
                onDoubleClick={() => onOpen(n.id)}
              >
                <span role="cell" className="mono">
                  {/* One click on the name opens the node; a click elsewhere selects the row (Enter or a double click opens it). */}
                  <a href={`#/nodes/${encodeURIComponent(n.id)}`} onClick={(e) => e.stopPropagation()}>
                    {n.hostname}
                  </a>
                </span>
                <span role="cell">{site?.name ?? '—'}</span>
                <span role="cell">{corridorNames.get(n.corridorId) ?? '—'}</span>
                <span role="cell">{RUNTIME_LABELS[n.runtimeGroup]}</span>
                <span role="cell">
                  <LifecycleBadge lifecycle={n.lifecycle} />
                </span>
                <span role="cell">
                  <HealthBadge health={n.health} />
                </span>
                <span role="cell" className="dim">
                  {n.seenAt ? <Time iso={n.seenAt} /> : 'never'}
                </span>
                <span role="cell" className="num">
                  {n.gpuCount}×
                </span>
                <span role="cell" className="num">
                  {fmt(n.latest.gpuUtilPct, '%', 0)}
                </span>
                <span role="cell" className="num">
                  {fmt(n.latest.p95LatencyMs, 'ms', 0)}
                </span>
                <span role="cell" className="num">
                  {pct(n.latest.errorRate)}
                </span>
                <span role="cell" className={`num ${n.validKeys === 0 && n.lifecycle !== 'retired' ? 'err' : ''}`} title={n.validKeys === 0 ? 'No valid key: this node cannot send telemetry' : undefined}>
                  {n.validKeys}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
