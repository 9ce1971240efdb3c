import ELK from 'elkjs/lib/elk-api';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import type { GraphEdge, GraphKind, GraphNode } from '../../../src-shared/domain/network-graph';

/** Box sizes per kind, in graph pixels; the custom nodes draw to these. */
export const BOX: Record<GraphKind, { w: number; h: number }> = {
  corridor: { w: 210, h: 58 },
  site: { w: 190, h: 50 },
  group: { w: 170, h: 46 },
  node: { w: 150, h: 34 },
  runtime: { w: 160, h: 44 },
};

const CELL = { w: BOX.node.w + 8, h: BOX.node.h + 8 };
const GROUP_HEAD = 50;

/** An expanded group holds its nodes in a grid about twice as wide as tall. */
export function groupGrid(members: number): { cols: number; w: number; h: number } {
  const cols = Math.max(1, Math.ceil(Math.sqrt(members * 2)));
  const rows = Math.ceil(members / cols);
  return { cols, w: Math.max(BOX.group.w, cols * CELL.w + 12), h: GROUP_HEAD + rows * CELL.h + 8 };
}

export interface Placed {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A member node's place inside its expanded group, relative to the group. */
export function memberPlace(i: number, cols: number): Placed {
  return { x: 6 + (i % cols) * CELL.w, y: GROUP_HEAD + Math.floor(i / cols) * CELL.h, w: BOX.node.w, h: BOX.node.h };
}

let elk: InstanceType<typeof ELK> | null = null;
/** Why the current worker cannot answer (it failed to load or threw), if it cannot. */
let workerBroken: string | null = null;
/** A layout the worker has not answered in this long is given up on, and the worker replaced. Generous: on a loaded machine a working worker can take tens of seconds to start, and replacing it throws that start away. */
const LAYOUT_PATIENCE_MS = 45_000;

/**
 * elkjs answers through the worker's messages only: a worker that fails to load or dies leaves
 * its promise pending forever, and the graph would say "Laying out…" for good. So a layout races
 * the worker's error and a deadline; on either the worker is replaced, and the layout is tried
 * once more on a fresh one before the error is shown.
 */
async function elkLayout(graph: Parameters<InstanceType<typeof ELK>['layout']>[0]) {
  for (let attempt = 1; ; attempt++) {
    elk ??= new ELK({
      workerUrl: elkWorkerUrl,
      workerFactory: (url?: string) => {
        const w = new Worker(url ?? elkWorkerUrl);
        workerBroken = null;
        w.addEventListener('error', (e) => {
          workerBroken = e.message || 'the layout worker failed';
        });
        return w;
      },
    });
    const mine = elk;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    const givenUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the layout worker did not answer in ${LAYOUT_PATIENCE_MS / 1000} s`)), LAYOUT_PATIENCE_MS);
      poll = setInterval(() => workerBroken && reject(new Error(workerBroken)), 250);
    });
    try {
      return await Promise.race([mine.layout(graph), givenUp]);
    } catch (err) {
      if (elk === mine) {
        mine.terminateWorker();
        elk = null;
      }
      if (attempt >= 2) throw err;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
    }
  }
}

/**
 * Lays out corridors, sites, groups and runtimes left to right with ELK's layered algorithm, in a
 * web worker (ELK takes hundreds of milliseconds for a few hundred boxes; the UI must not freeze).
 * Member nodes are not given to ELK: they sit in a grid inside their group, whose box grows to
 * hold them. Links between sites are drawn but do not shape the layout.
 */
export async function layout(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Promise<Map<string, Placed>> {
  const members = new Map<string, GraphNode[]>();
  for (const n of nodes) if (n.kind === 'node' && n.parentId) members.set(n.parentId, [...(members.get(n.parentId) ?? []), n]);
  const boxes = nodes
    .filter((n) => n.kind !== 'node')
    .map((n) => {
      const inner = members.get(n.id);
      const size = inner ? groupGrid(inner.length) : { w: BOX[n.kind].w, h: BOX[n.kind].h };
      return { id: n.id, width: size.w, height: size.h };
    });
  const boxIds = new Set(boxes.map((b) => b.id));
  const result = await elkLayout({
    id: 'grid',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.spacing.nodeNode': '14',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      // One column of corridors, not a packed grid of separate trees.
      'elk.separateConnectedComponents': 'false',
    },
    children: boxes,
    edges: edges
      .filter((e) => e.kind !== 'link' && boxIds.has(e.source) && boxIds.has(e.target))
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const out = new Map<string, Placed>();
  for (const c of result.children ?? []) out.set(c.id, { x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0 });
  for (const [groupId, list] of members) {
    const { cols } = groupGrid(list.length);
    list.forEach((n, i) => out.set(n.id, memberPlace(i, cols)));
  }
  return out;
}
