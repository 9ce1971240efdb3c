/// <reference types="vite/client" />
import '@xyflow/react/dist/style.css';
import '../../../src-renderer/styles/theme.css';
import '../../../src-renderer/styles/network.css';
import { applyNodeChanges, type Edge, type Node, type NodeChange, type NodeTypes, Position, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { createElement as h, useCallback, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { GraphKind, GraphNode } from '../../../src-shared/domain/network-graph';
import { BOX } from '../../../src-renderer/views/network/graph-layout';

/*
 * The graph benchmark's page: a ReactFlow of N elements in a grid with N-1 edges, every element
 * rendered (no onlyRenderVisibleElements, fitted so all are on screen), controlled nodes updated
 * with applyNodeChanges as a drag moves one. ?nodes=app draws the app's GraphElement (with
 * network.css), ?nodes=default React Flow's default node. The bench drags a node with the real
 * mouse and asks the page when each move has been painted.
 */

// GraphNodes.tsx is JSX, which the bench's tsconfig (tsconfig.e2e.json) does not compile; a glob
// import lets Vite bundle the real file while TypeScript sees only the NodeTypes it exports.
const appModules = import.meta.glob<{ NODE_TYPES: NodeTypes }>('../../../src-renderer/views/network/GraphNodes.tsx', { eager: true });
const APP_NODE_TYPES = Object.values(appModules)[0]?.NODE_TYPES;

const params = new URLSearchParams(location.search);
const N = Number(params.get('n') ?? 625);
const variant = params.get('nodes') === 'default' ? 'default' : 'app';
const COLS = Math.ceil(Math.sqrt(N));
const CELL = { w: BOX.corridor.w + 40, h: BOX.corridor.h + 40 };
const HEALTH = ['healthy', 'healthy', 'healthy', 'warning', 'critical', 'stale'] as const;

type Data = { g: GraphNode; toggle: (id: string) => void } | { label: string };

function element(i: number): Node<Data> {
  const [row, col] = [Math.floor(i / COLS), i % COLS];
  const id = `e${i}`;
  const position = { x: col * CELL.w, y: row * CELL.h };
  // Every element has both handles (corridors only a source) so every edge draws in both variants.
  const kind: GraphKind = i === 0 ? 'corridor' : col === 0 ? 'site' : 'group';
  const label = `${kind}-${i}`;
  // Handles left and right as the app's elements have them: with the default top/bottom handles a
  // left-to-right grid draws every edge as a tall S-curve, and rastering those, not the nodes,
  // becomes the figure (p95 over 1 s at 2,500 on SwiftShader).
  if (variant === 'default') return { id, type: 'default', position, data: { label }, sourcePosition: Position.Right, targetPosition: Position.Left };
  const g: GraphNode = { id, kind, label, parentId: null, health: HEALTH[i % HEALTH.length]!, nodes: 40, running: 38, critical: i % 7 === 0 ? 2 : 0, expandable: true, expanded: false };
  return { id, type: 'element', position, width: BOX[kind].w, height: BOX[kind].h, data: { g, toggle: () => {} } };
}

const initialNodes = Array.from({ length: N }, (_, i) => element(i));
// A spanning tree of the grid: along each row, and down the first column.
const edges: Edge[] = initialNodes.slice(1).map((_, k) => {
  const i = k + 1;
  const source = i % COLS === 0 ? i - COLS : i - 1;
  return { id: `x${source}-${i}`, source: `e${source}`, target: `e${i}` };
});

let latest = initialNodes;

function Graph() {
  const [nodes, setNodes] = useState(initialNodes);
  latest = nodes;
  const onNodesChange = useCallback((changes: NodeChange<Node<Data>>[]) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  return h(
    'div',
    { style: { width: '1280px', height: '800px' }, className: 'net-graph' },
    h(ReactFlow<Node<Data>>, {
      nodes,
      edges,
      nodeTypes: variant === 'app' ? APP_NODE_TYPES : undefined,
      onNodesChange,
      fitView: true,
      fitViewOptions: { padding: 0.02 },
      minZoom: 0.01,
      maxZoom: 2,
      nodesConnectable: false,
      colorMode: 'dark',
      proOptions: { hideAttribution: true },
    }),
  );
}

const benchGraph = {
  variant,
  nodes: N,
  edges: edges.length,
  /** Elements and edges in the DOM (all of them, once React Flow has measured every node). */
  drawn: () => ({ nodes: document.querySelectorAll('.react-flow__node').length, edges: document.querySelectorAll('.react-flow__edge').length }),
  positionOf: (id: string) => latest.find((n) => n.id === id)?.position ?? null,
  /** Resolves at the start of the second frame from now: the frame after the current one has been produced. */
  painted: () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
};

declare global {
  interface Window {
    benchGraph: typeof benchGraph;
  }
}
window.benchGraph = benchGraph;

if (variant === 'app' && !APP_NODE_TYPES) throw new Error('GraphNodes.tsx not found: has the topology graph moved?');
createRoot(document.getElementById('root')!).render(h(ReactFlowProvider, null, h(Graph)));
