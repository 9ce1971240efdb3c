import '@xyflow/react/dist/style.css';
import { Background, type Edge, MiniMap, type NodeChange, type NodeMouseHandler, ReactFlow, ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { type KeyboardEvent, memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { HEALTH_LABELS } from '../../../src-shared/domain/node-health';
import { corridorSignals } from '../../../src-shared/domain/corridor-health';
import { filterGrid } from '../../../src-shared/domain/network';
import { type GraphNode, graphShape, reuseUnchanged } from '../../../src-shared/domain/network-graph';
import { useGrid } from '../../stores/grid-store';
import { type Selection, useNetwork } from '../../stores/network-store';
import { useUi } from '../../stores/ui-store';
import { layout, type Placed } from './graph-layout';
import { type FlowNode, KIND_LABELS, NODE_TYPES } from './GraphNodes';

const EDGE_STYLE = {
  contains: { stroke: 'var(--border-strong)', strokeWidth: 1 },
  link: { stroke: 'var(--accent)', strokeWidth: 1, strokeDasharray: '4 3', opacity: 0.6 },
  placement: { stroke: 'var(--maint)', strokeWidth: 1, opacity: 0.5 },
} as const;

/** The most a fit zooms in: a few boxes stay readable on a laptop and fill the pane on a 4K wall. */
const FIT_MAX_ZOOM = 0.9;
function fitZoom(el: HTMLElement | null): number {
  const side = el ? Math.min(el.clientWidth, el.clientHeight) : 0;
  return Math.min(3, Math.max(FIT_MAX_ZOOM, side / 600));
}

function selectionOf(g: GraphNode, byId: ReadonlyMap<string, GraphNode>): Selection | null {
  if (g.kind === 'runtime') return null;
  if (g.kind === 'corridor') return { kind: 'corridor', id: g.id, siteId: null };
  if (g.kind === 'site') return { kind: 'site', id: g.id, siteId: g.id };
  if (g.kind === 'group') return { kind: 'group', id: g.id, siteId: g.parentId };
  const group = g.parentId ? byId.get(g.parentId) : undefined;
  return { kind: 'node', id: g.id, siteId: group?.parentId ?? null };
}

/**
 * The topology graph: corridor → site → node group → node (and the runtimes the shown groups
 * serve), collapsed to corridors at first. Expanding is refused past the element budget, so the
 * whole grid stays navigable. Selection is the network store's, shared with the map.
 */
function Graph() {
  const overview = useGrid((s) => s.overview);
  const nodes = useGrid((s) => s.nodes);
  const { filters, expanded, selection, focusSeq, select, toggleExpanded, reveal, overlay } = useNetwork();
  const theme = useUi((s) => s.theme);
  const flow = useReactFlow();
  const [places, setPlaces] = useState<Map<string, Placed>>(new Map());
  const [laying, setLaying] = useState(false);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  // Bumped by "Try again" after a failed layout: the same elements, laid out once more.
  const [layoutTry, setLayoutTry] = useState(0);
  const pane = useRef<HTMLDivElement>(null);
  const prevShape = useRef(new Map<string, GraphNode>());
  const prevFlow = useRef(new Map<string, FlowNode>());
  // Where the operator dragged elements to, until the next layout.
  const [moved, setMoved] = useState<ReadonlyMap<string, { x: number; y: number }>>(new Map());

  const input = useMemo(
    () => (overview ? filterGrid({ corridors: overview.corridors, sites: overview.sites, groups: overview.nodeGroups, nodes }, filters) : null),
    [overview, nodes, filters],
  );
  const signals = useMemo(() => corridorSignals(overlay?.corridors ?? []), [overlay]);
  const shape = useMemo(() => (input ? graphShape(input, expanded, undefined, signals) : { nodes: [], edges: [], refused: [] }), [input, expanded, signals]);
  const elements = useMemo(() => {
    const next = reuseUnchanged(prevShape.current, shape.nodes);
    prevShape.current = new Map(next.map((n) => [n.id, n]));
    return next;
  }, [shape]);
  const byId = prevShape.current;

  // Lay out again only when the set of elements changes, not when their figures do.
  const structure = shape.nodes.map((n) => n.id).join() + '|' + shape.edges.length;
  useEffect(() => {
    let live = true;
    setLaying(true);
    layout(shape.nodes, shape.edges)
      .then((p) => {
        if (!live) return;
        setPlaces(p);
        setMoved(new Map());
        setLayoutError(null);
      })
      .catch((err: unknown) => live && setLayoutError(String((err as Error)?.message ?? err)))
      .finally(() => live && setLaying(false));
    return () => {
      live = false;
    };
  }, [structure, layoutTry]);

  // After an expand or collapse, the next layout is framed on that element and what it shows.
  const framing = useRef<string | null>(null);
  const toggle = useCallback(
    (id: string) => {
      framing.current = id;
      toggleExpanded(id);
    },
    [toggleExpanded],
  );
  const selectedId = selection?.kind === 'site' || selection?.kind === 'corridor' || selection?.kind === 'group' || selection?.kind === 'node' ? selection.id : null;

  const rfNodes = useMemo(() => {
    const out: FlowNode[] = [];
    const next = new Map<string, FlowNode>();
    for (const g of elements) {
      const placed = places.get(g.id);
      if (!placed) continue;
      const at = moved.get(g.id);
      const p = at ? { ...placed, ...at } : placed;
      const parent = g.kind === 'node' ? (g.parentId ?? undefined) : undefined;
      const isSelected = g.id === selectedId;
      const prev = prevFlow.current.get(g.id);
      const node: FlowNode =
        prev && prev.data.g === g && prev.position.x === p.x && prev.position.y === p.y && prev.selected === isSelected && prev.width === p.w && prev.height === p.h
          ? prev
          : {
              id: g.id,
              type: 'element',
              position: { x: p.x, y: p.y },
              width: p.w,
              height: p.h,
              data: { g, toggle },
              // Read by screen readers on the focused box, with the keys that act on it.
              ariaLabel: `${KIND_LABELS[g.kind]} ${g.label}: ${g.explain ?? HEALTH_LABELS[g.health]}${g.expandable ? (g.expanded ? '. Press minus to collapse' : '. Press plus to expand') : ''}`,
              selected: isSelected,
              ...(parent ? { parentId: parent, extent: 'parent' as const } : {}),
              draggable: g.kind !== 'node',
            };
      next.set(g.id, node);
      out.push(node);
    }
    prevFlow.current = next;
    return out;
  }, [elements, places, moved, selectedId, toggle]);

  const rfEdges = useMemo<Edge[]>(() => {
    const shown = new Set(rfNodes.map((n) => n.id));
    return shape.edges
      .filter((e) => shown.has(e.source) && shown.has(e.target))
      .map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        type: e.kind === 'contains' ? 'smoothstep' : 'default',
        style: EDGE_STYLE[e.kind],
        selectable: false,
        focusable: false,
        ...(e.kind === 'placement' && e.count ? { label: String(e.count), labelStyle: { fill: 'var(--text-dim)', fontSize: 10 }, labelBgStyle: { fill: 'var(--bg)' } } : {}),
      }));
  }, [shape, rfNodes]);

  // A selection made elsewhere (the map, a search) opens the path to it and centres it here.
  useEffect(() => {
    if (!selection || !overview) return;
    const site = selection.siteId ? overview.sites.find((s) => s.id === selection.siteId) : undefined;
    if (selection.kind === 'corridor') return;
    const path = site ? [site.corridorId] : [];
    if (selection.kind === 'group' || selection.kind === 'node') path.push(selection.siteId!);
    if (selection.kind === 'node') {
      const n = nodes.find((x) => x.id === selection.id);
      if (n) path.push(n.nodeGroupId);
    }
    reveal(path);
  }, [selection, focusSeq]);
  useEffect(() => {
    if (laying) return;
    const id = framing.current;
    framing.current = null;
    // A new layout is framed: the element just expanded, or else the whole graph (the first fit ran
    // on the positions before the layout, leaving the graph cut or floating in empty space).
    // What it shows: its children, and the runtimes those children serve (drawn beside them).
    const children = id ? new Set(elements.filter((g) => g.id === id || g.parentId === id).map((g) => g.id)) : null;
    if (children) for (const e of shape.edges) if (children.has(e.source) && byId.get(e.target)?.kind === 'runtime') children.add(e.target);
    const shown = children ? [...children].map((x) => ({ id: x })) : null;
    // Wait a frame so React Flow has the new positions before framing them.
    requestAnimationFrame(() => void flow.fitView({ ...(shown ? { nodes: shown } : {}), duration: 300, maxZoom: fitZoom(pane.current), padding: shown ? 0.2 : 0.15 }));
  }, [places, laying]);

  // The pane changes size when the site panel opens or closes, the layout switches, or the window
  // resizes: frame again then (on the selection if there is one, else the whole graph), or the
  // graph is left cut at the pane's edge or floating in a corner of it.
  const reframe = useRef<() => void>(() => undefined);
  /** Centre the view on an element (false when it is not laid out yet). */
  const centreOn = (id: string, zoom: number, duration: number): boolean => {
    const n = flow.getInternalNode(id);
    if (!n) return false;
    const x = n.internals.positionAbsolute.x + (n.measured.width ?? 0) / 2;
    const y = n.internals.positionAbsolute.y + (n.measured.height ?? 0) / 2;
    void flow.setCenter(x, y, { zoom, duration });
    return true;
  };
  reframe.current = () => {
    if (selectedId && centreOn(selectedId, flow.getZoom(), 200)) return;
    void flow.fitView({ duration: 200, maxZoom: fitZoom(pane.current), padding: 0.15 });
  };
  useEffect(() => {
    const el = pane.current;
    if (!el) return;
    let last = `${el.clientWidth}x${el.clientHeight}`;
    const observer = new ResizeObserver(() => {
      const size = `${el.clientWidth}x${el.clientHeight}`;
      if (size === last) return;
      last = size;
      requestAnimationFrame(() => reframe.current());
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (selectedId) centreOn(selectedId, Math.max(flow.getZoom(), 0.8), 400);
  }, [selectedId, places]);

  const onNodeClick: NodeMouseHandler<FlowNode> = (_e, n) => {
    const sel = selectionOf(n.data.g, byId);
    if (sel) select(sel);
  };
  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    const drags = changes.filter((c) => c.type === 'position' && c.position);
    if (drags.length === 0) return;
    setMoved((m) => {
      const next = new Map(m);
      for (const c of drags) if (c.type === 'position' && c.position) next.set(c.id, c.position);
      return next;
    });
  }, []);
  const onNodeDoubleClick: NodeMouseHandler<FlowNode> = (_e, n) => {
    if (n.data.g.expandable) toggle(n.id);
  };
  // The keyboard does what the mouse does. React Flow makes each box focusable (Tab reaches it and
  // pans to it); its own Enter only marks the box selected inside the graph, so Enter here selects
  // it for the whole view (map and site panel) as a click does, and + / − expand and collapse it.
  // Keys arrive from the focused box (the wrapper React Flow renders), bubbling up to this pane.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const id = (e.target as HTMLElement).closest<HTMLElement>('.react-flow__node')?.dataset.id;
    const g = id ? byId.get(id) : undefined;
    if (!g || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Enter') {
      const sel = selectionOf(g, byId);
      if (sel) select(sel);
    } else if ((e.key === '+' || e.key === '=') && g.expandable && !g.expanded) {
      e.preventDefault();
      toggle(g.id);
    } else if ((e.key === '-' || e.key === '_') && g.expandable && g.expanded) {
      e.preventDefault();
      toggle(g.id);
    }
  };

  return (
    <div ref={pane} className="net-graph" data-testid="network-graph" data-elements={rfNodes.length} data-laying={laying} onKeyDown={onKeyDown}>
      <ReactFlow<FlowNode>
        nodes={rfNodes}
        edges={rfEdges}
        nodeTypes={NODE_TYPES}
        onNodeClick={onNodeClick}
        onNodeDoubleClick={onNodeDoubleClick}
        onNodesChange={onNodesChange}
        colorMode={theme === 'light' ? 'light' : 'dark'}
        fitView
        fitViewOptions={{ maxZoom: FIT_MAX_ZOOM, padding: 0.15 }}
        minZoom={0.05}
        maxZoom={3}
        onlyRenderVisibleElements
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        zoomOnDoubleClick={false}
      >
        <Background gap={24} size={1} />
        <MiniMap pannable zoomable nodeStrokeWidth={2} />
      </ReactFlow>
      {laying && <div className="net-graph-note">Laying out…</div>}
      {layoutError && (
        <div className="net-graph-note bad">
          Could not lay out the graph: {layoutError}.{' '}
          <button className="btn small" onClick={() => setLayoutTry((n) => n + 1)} data-testid="layout-retry">
            Try again
          </button>
        </div>
      )}
      {shape.refused.length > 0 && (
        <div className="net-graph-note" data-testid="graph-refused">
          Not expanded: that would draw more than 3,000 elements. Collapse something first, or filter.
        </div>
      )}
    </div>
  );
}

export const TopologyGraph = memo(function TopologyGraph() {
  return (
    <ReactFlowProvider>
      <Graph />
    </ReactFlowProvider>
  );
});
