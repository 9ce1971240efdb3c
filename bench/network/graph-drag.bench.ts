import type { Page } from '@playwright/test';
import { type Bench, median, percentile, result, round } from '../lib';
import { type BrowserCpu, launch } from './pages';

const SIZES = [625, 2500] as const;
const VARIANTS = ['app', 'default'] as const;
/**
 * Recorded moves per graph: drags of STEPS moves, alternating direction, until MAX_MOVES or the
 * time budget is spent (at least one drag). React Flow's default nodes at 2,500 take over a second
 * a move on a loaded 2-core machine, so they get fewer samples than the app's.
 */
const STEPS = 25;
const MAX_MOVES = 100;
const BUDGET_MS = 30_000;
const WARMUP_STEPS = 10;
/** Screen pixels a drag moves the node, in STEPS mouse moves. */
const DISTANCE = 120;

type Variant = (typeof VARIANTS)[number];

async function drawn(page: Page, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = await page.evaluate(() => window.benchGraph.drawn());
    if (d.nodes === n && d.edges === n - 1) break;
    if (Date.now() > deadline) throw new Error(`graph did not draw: ${d.nodes}/${n} nodes, ${d.edges}/${n - 1} edges`);
    await page.waitForTimeout(200);
  }
  // Let React Flow measure the nodes and fit the view before the first drag.
  await page.waitForTimeout(500);
  await page.evaluate(() => window.benchGraph.painted());
}

/**
 * Drags the element with the real mouse, one move at a time, and times each move until the frame
 * after the one that shows it has started (two animation frames): the handlers, React's render,
 * style, layout, paint and, because Chromium holds the next frame back while the GPU process is
 * behind, most of the raster and compositing too.
 */
async function drag(page: Page, id: string, dx: number, steps = STEPS): Promise<number[]> {
  const box = await page.locator(`.react-flow__node[data-id="${id}"]`).boundingBox();
  if (!box) throw new Error(`node ${id} is not on screen`);
  // Left of centre: the app element's expand button sits on the right and does not drag.
  const [x, y] = [box.x + box.width * 0.3, box.y + box.height * 0.5];
  const before = await page.evaluate((id) => window.benchGraph.positionOf(id), id);
  await page.mouse.move(x, y);
  await page.mouse.down();
  const latencies: number[] = [];
  for (let s = 1; s <= steps; s++) {
    const t0 = performance.now();
    await page.mouse.move(x + (dx * s) / steps, y + (dx * s) / steps / 4);
    await page.evaluate(() => window.benchGraph.painted());
    latencies.push(performance.now() - t0);
  }
  await page.mouse.up();
  const after = await page.evaluate((id) => window.benchGraph.positionOf(id), id);
  if (!before || !after || Math.abs(after.x - before.x) < 1) throw new Error(`the drag did not move ${id}`);
  return latencies;
}

async function measure(open: (path: string) => Promise<Page>, cpu: () => Promise<BrowserCpu>, variant: Variant, n: number) {
  const page = await open(`graph.html?nodes=${variant}&n=${n}`);
  try {
    await drawn(page, n);
    const cols = Math.ceil(Math.sqrt(n));
    const middle = `e${Math.floor(cols / 2) * cols + Math.floor(cols / 2)}`;
    await drag(page, middle, DISTANCE / 4, WARMUP_STEPS);
    const ms: number[] = [];
    const t0 = Date.now();
    const c0 = await cpu();
    for (let d = 0; ms.length < MAX_MOVES && (d === 0 || Date.now() - t0 < BUDGET_MS); d++) ms.push(...(await drag(page, middle, d % 2 ? DISTANCE : -DISTANCE)));
    const c1 = await cpu();
    // Renderer (React, style, layout, paint) and GPU process (raster, compositing): the browser
    // process is left out, it mostly answers the bench's own CDP calls.
    const cpuPerMove = { renderer: round((c1.renderer - c0.renderer) / ms.length, 1), gpu: round((c1.gpu - c0.gpu) / ms.length, 1) };
    return { p95: round(percentile(ms, 95), 2), median: round(median(ms), 2), moves: ms.length, max: round(Math.max(...ms), 2), cpuMsPerMove: { ...cpuPerMove, sum: round(cpuPerMove.renderer + cpuPerMove.gpu, 1) } };
  } finally {
    await page.close();
  }
}

/**
 * Dragging one element of the topology graph with every element rendered (625 and 2,500
 * elements, N-1 edges): the app's GraphElement (memoised, network.css) against React Flow's
 * default node, as the time from each mouse move to its frame being out, during a real drag.
 */
export const networkGraphDrag: Bench = {
  name: 'network-graph-drag',
  summary: 'topology graph drag, p95 move-to-frame: app GraphElement vs React Flow default nodes, 625 and 2,500 elements (ms)',
  async run() {
    const b = await launch();
    try {
      const m: Record<string, Awaited<ReturnType<typeof measure>>> = {};
      for (const n of SIZES) for (const v of VARIANTS) m[`${v}@${n}`] = await measure((p) => b.open(p), () => b.cpu(), v, n);
      const [small, big] = SIZES;
      const at = (v: Variant, n: number) => m[`${v}@${n}`]!;
      const conditions = {
        canvas: '1280x800, device scale 1, headless Chromium, SwiftShader (raster and compositing in software)',
        drag: `drags of ${DISTANCE}px in ${STEPS} Playwright mouse moves, up to ${MAX_MOVES} moves or ${BUDGET_MS / 1000} s per graph (see moves), after a ${WARMUP_STEPS}-move warm-up`,
        measure: 'per move: mouse.move → two requestAnimationFrame callbacks in the page (includes two CDP round trips, a few ms)',
        edges: 'N-1 (a spanning tree of the grid), default bezier, source right / target left in both variants',
        everyElementRendered: true,
        measured: m,
        defaultNodesGrowth: round(at('default', big).p95 / at('default', small).p95, 3),
      };
      return [
        result({
          name: 'network-graph-drag',
          value: at('app', big).p95,
          unit: 'ms p95 move',
          baseline: at('default', big).p95,
          baselineName: `React Flow default nodes, ${big} elements`,
          better: 'lower',
          target: null,
          params: { ...conditions, elements: big },
        }),
        result({
          name: 'network-graph-drag-cpu',
          value: at('app', big).cpuMsPerMove.sum,
          unit: 'ms CPU/move',
          baseline: at('default', big).cpuMsPerMove.sum,
          baselineName: `React Flow default nodes, ${big} elements`,
          better: 'lower',
          target: null,
          params: { ...conditions, elements: big, why: 'renderer + GPU-process CPU per move: the same work as the p95, without the waits for a core that a shared machine adds' },
        }),
        result({
          name: 'network-graph-drag-growth',
          value: at('app', big).p95,
          unit: 'ms p95 move',
          baseline: at('app', small).p95,
          baselineName: `app GraphElement, ${small} elements (${big / small}x fewer)`,
          better: 'lower',
          target: null,
          params: { ...conditions, nodesRatio: big / small },
        }),
      ];
    } finally {
      await b.close();
    }
  },
};
