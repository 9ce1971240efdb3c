import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import type { GraphNode } from '../../../src-shared/domain/network-graph';
import { HEALTH_LABELS } from '../../../src-shared/domain/node-health';

/** What every custom element gets: the shaped graph node (reused while unchanged) and the toggle. */
export type GraphNodeData = { g: GraphNode; toggle: (id: string) => void };
export type FlowNode = Node<GraphNodeData>;

export const KIND_LABELS = { corridor: 'Corridor', site: 'Site', group: 'Node group', node: 'Node', runtime: 'Runtime' } as const;

function counts(g: GraphNode): string {
  if (g.kind === 'node') return HEALTH_LABELS[g.health];
  const crit = g.critical ? ` · ${g.critical} critical` : '';
  return `${g.running}/${g.nodes} running${crit}`;
}

/**
 * One element of the topology graph. Memoised on its props: a telemetry tick re-renders only the
 * elements whose figures changed (the graph hands the same `g` object for the others).
 */
export const GraphElement = memo(function GraphElement({ data, selected }: NodeProps<FlowNode>) {
  const { g, toggle } = data;
  return (
    <div
      className={`gn gn-${g.kind} health-${g.health} ${selected ? 'selected' : ''} ${g.expanded ? 'expanded' : ''}`}
      data-testid={`gn-${g.kind}-${g.label}`}
      data-expanded={g.expandable ? String(g.expanded) : undefined}
      title={`${KIND_LABELS[g.kind]} ${g.label}: ${g.explain ?? HEALTH_LABELS[g.health]}`}
    >
      {g.kind !== 'corridor' && <Handle type="target" position={Position.Left} isConnectable={false} />}
      <div className="gn-head">
        <span className="dot" aria-hidden="true" />
        <span className="gn-label">{g.label}</span>
        {g.expandable && (
          <button
            className="gn-toggle nodrag"
            // The box itself takes Tab and + / −; one tab stop per box, not two.
            tabIndex={-1}
            onClick={(e) => {
              e.stopPropagation();
              toggle(g.id);
            }}
            aria-label={g.expanded ? `Collapse ${g.label}` : `Expand ${g.label}`}
            title={g.expanded ? 'Collapse (− on the focused box)' : 'Expand (+ on the focused box, or double-click)'}
          >
            {g.expanded ? '−' : '+'}
          </button>
        )}
      </div>
      <div className="gn-sub">{counts(g)}</div>
      {g.kind !== 'node' && g.kind !== 'runtime' && <Handle type="source" position={Position.Right} isConnectable={false} />}
    </div>
  );
});

export const NODE_TYPES = { element: GraphElement };
