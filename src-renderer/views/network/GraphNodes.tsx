import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { drainLabel, drainState } from '../../../src-shared/domain/network';
import type { GraphNode } from '../../../src-shared/domain/network-graph';
import { HEALTH_LABELS } from '../../../src-shared/domain/node-health';

/** What every custom element gets: the shaped graph node (reused while unchanged) and the toggle. */
export type GraphNodeData = { g: GraphNode; toggle: (id: string) => void };
export type FlowNode = Node<GraphNodeData>;

export const KIND_LABELS = { corridor: 'Corridor', site: 'Site', group: 'Node group', node: 'Node', runtime: 'Runtime' } as const;

function counts(g: GraphNode): string {
  const draining = g.draining ?? 0;
  if (g.kind === 'node') return draining > 0 ? `${HEALTH_LABELS[g.health]} · drained` : HEALTH_LABELS[g.health];
  const crit = g.critical ? ` · ${g.critical} critical` : '';
  // A drained site is not "running" to an operator (routing sends it nothing new): say it first.
  const drained = drainLabel(draining, g.running, g.nodes);
  if (drainState(draining, g.running) === 'all') return `${drained}${crit}`;
  return `${g.running - draining}/${g.nodes} running${drained ? ` · ${draining} drained` : ''}${crit}`;
}

/**
 * One element of the topology graph. Memoised on its props: a telemetry tick re-renders only the
 * elements whose figures changed (the graph hands the same `g` object for the others).
 */
export const GraphElement = memo(function GraphElement({ data, selected }: NodeProps<FlowNode>) {
  const { g, toggle } = data;
  const drain = drainState(g.draining ?? 0, g.running);
  return (
    <div
      className={`gn gn-${g.kind} health-${g.health} drain-${drain} ${selected ? 'selected' : ''} ${g.expanded ? 'expanded' : ''}`}
      data-testid={`gn-${g.kind}-${g.label}`}
      data-drain={drain}
      data-expanded={g.expandable ? String(g.expanded) : undefined}
      title={`${KIND_LABELS[g.kind]} ${g.label}: ${g.explain ?? HEALTH_LABELS[g.health]}${drain !== 'none' && g.kind !== 'node' ? ` · ${drainLabel(g.draining ?? 0, g.running, g.nodes)}` : ''}`}
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
