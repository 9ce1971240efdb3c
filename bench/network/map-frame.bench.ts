import { type Bench, median, percentile, result, round } from '../lib';
import { launch } from './pages';

type Variant = 'empty' | 'bare' | 'app';

/*
 * On SwiftShader a frame with 20,000 arcs takes seconds (vertex-bound: at deck.gl's default 50
 * segments an ArcLayer sends 20,000 × 51 × 2 vertices through its shader), so the counts are small. The app and bare frames alternate
 * one by one, so a noisy neighbour slows both alike; the empty canvas is cheap and gets more frames.
 */
const ROUNDS = 4;
const EMPTY_FRAMES = 5;
/** Ticks with their frame: in every other round. */
const TICK_EVERY = 2;
/** Ticks without frames (CPU side only): cheap, so many. */
const UPDATES = 15;
/** MC_BENCH_MAP_LAYERS=1: also time the app frame with each layer hidden (about 3 more minutes). */
const BY_LAYER = process.env.MC_BENCH_MAP_LAYERS === '1';
const BY_LAYER_PAIRS = 2;

const ms = (xs: number[]) => round(median(xs), 1);
const p95 = (xs: number[]) => round(percentile(xs, 95), 1);

/**
 * The corridor map at the scale (1,000 sites of 10,000 nodes, 20,000 arcs, the app's
 * bundled basemap, five corridors shaded and outlined, rings): a frame of the app's layers (buildLayers)
 * against a bare deck.gl reference drawing the same sites and arcs with defaults, and an empty
 * deck; and one telemetry tick (every node's health changes) through the app's path against a
 * naive full rebuild of the bare reference.
 */
export const networkMapFrame: Bench = {
  name: 'network-map-frame',
  summary: 'corridor map frame and telemetry tick: app layers vs bare deck.gl reference, headless Chromium + SwiftShader (ms)',
  async run() {
    const b = await launch();
    try {
      const page = await b.open('map.html');
      const setup = await page.evaluate(() => window.benchMap.setup());

      const appUpdates = await page.evaluate(([n]) => window.benchMap.updates('app', n, 1000), [UPDATES] as const);
      const bareUpdates = await page.evaluate(([n]) => window.benchMap.updates('bare', n, 2000), [UPDATES] as const);

      const frames: Record<Variant, number[]> = { empty: [], bare: [], app: [] };
      const cpu: Record<Variant, number[]> = { empty: [], bare: [], app: [] };
      const frame = async (v: Variant, n: number, warmup: number) => {
        const c0 = await b.cpu();
        const f = await page.evaluate(([v, n, w]) => window.benchMap.frames(v, n, w), [v, n, warmup] as const);
        const c1 = await b.cpu();
        frames[v].push(...f);
        if (warmup === 0) cpu[v].push((c1.gpu - c0.gpu) / n);
      };
      const ticks = { app: { update: [] as number[], total: [] as number[] }, bare: { update: [] as number[], total: [] as number[] } };
      // The first frame a canvas is on screen is a warm-up: it takes seconds longer (SwiftShader
      // appears to build its pipelines again for the visible canvas).
      await frame('empty', EMPTY_FRAMES, 1);
      for (let r = 0; r < ROUNDS; r++) {
        await frame('bare', 1, r === 0 ? 1 : 0);
        await frame('app', 1, r === 0 ? 1 : 0);
        if (r % TICK_EVERY === TICK_EVERY - 1) {
          for (const v of ['app', 'bare'] as const) {
            const t = await page.evaluate(([v, s]) => window.benchMap.ticks(v, 1, s), [v, 3000 + r * 10] as const);
            ticks[v].update.push(...t.update);
            ticks[v].total.push(...t.total);
          }
        }
      }
      await frame('empty', EMPTY_FRAMES, 0);

      // Which layer costs most: the app frame with one layer hidden, alternating with the full frame.
      const byLayer: Record<string, { wallMs: number; gpuCpuMs: number }> = {};
      if (BY_LAYER) {
        const timed = async (hide: string[]) => {
          const c0 = await b.cpu();
          const [wall] = await page.evaluate(([ids]) => window.benchMap.framesWithout(ids, 1), [hide] as const);
          const c1 = await b.cpu();
          return { wall: wall!, cpu: c1.gpu - c0.gpu };
        };
        for (const id of setup.appLayers) {
          let [wall, cpuSaved] = [0, 0];
          for (let i = 0; i < BY_LAYER_PAIRS; i++) {
            const full = await timed([]);
            const without = await timed([id]);
            wall += full.wall - without.wall;
            cpuSaved += full.cpu - without.cpu;
          }
          byLayer[id] = { wallMs: round(wall / BY_LAYER_PAIRS, 0), gpuCpuMs: round(cpuSaved / BY_LAYER_PAIRS, 0) };
        }
      }

      const unasked = await page.evaluate(() => window.benchMap.unaskedDraws());
      if (unasked > 0) throw new Error(`deck.gl drew ${unasked} frame(s) on its own during the measurements: figures would include them`);

      const limits =
        'SwiftShader (software GL) on the machine’s cores, vertex-bound rather than fill-bound (20,000 arcs cost the same out of view): an ' +
        'ArcLayer draws (numSegments + 1) × 2 vertices per arc, three projections each (deck.gl default 50 segments in the bare reference); ' +
        'the basemap (basemapVertices) is tessellated once, its fills and borders drawn every frame. Each frame is timed from the view change ' +
        'to the end of the GPU work (1-pixel readPixels); no picking pass (no pointer). Medians of few frames: a frame takes seconds here, ' +
        'and wall time doubles when another process takes a core (gpuProcessCpuMsPerFrame does not).';
      const { appLayers: _, renderer, canvas, ...scene } = setup;
      // GPU-process CPU per frame: the same work as the frame time, steadier on a shared machine.
      const gpuCpu = { gpuProcessCpuMsPerFrame: { app: ms(cpu.app), bare: ms(cpu.bare), empty: ms(cpu.empty) } };
      const common = { canvas, renderer, scene, limits };
      return [
        result({
          name: 'network-map-frame',
          value: ms(frames.app),
          unit: 'ms/frame',
          baseline: ms(frames.bare),
          baselineName: 'bare ScatterplotLayer + ArcLayer, same sites and arcs, deck.gl defaults, no basemap',
          better: 'lower',
          target: 1.5,
          params: {
            ...common,
            framesPerVariant: ROUNDS,
            appFramesMs: frames.app.map((x) => round(x, 1)),
            bareFramesMs: frames.bare.map((x) => round(x, 1)),
            appP95Ms: p95(frames.app),
            bareP95Ms: p95(frames.bare),
            emptyMedianMs: ms(frames.empty),
            ...gpuCpu,
            ...(BY_LAYER ? { msSavedByHidingLayer: byLayer } : { byLayer: 'set MC_BENCH_MAP_LAYERS=1 to time the app frame with each layer hidden' }),
          },
        }),
        result({
          name: 'network-map-frame-vs-empty',
          value: ms(frames.app),
          unit: 'ms/frame',
          baseline: ms(frames.empty),
          baselineName: 'empty deck.gl canvas (no layers), same size',
          better: 'lower',
          target: null,
          params: { ...common, emptyFrames: frames.empty.length, emptyP95Ms: p95(frames.empty), appP95Ms: p95(frames.app), ...gpuCpu },
        }),
        result({
          name: 'network-map-frame-gpu-cpu',
          value: ms(cpu.app),
          unit: 'ms GPU-process CPU/frame',
          baseline: ms(cpu.bare),
          baselineName: 'bare reference, same frames',
          better: 'lower',
          target: null,
          params: {
            ...common,
            why: 'CPU time the GPU process (SwiftShader) spends per frame: the frame’s work without the waits for a core that a shared machine adds to wall time',
            emptyMs: ms(cpu.empty),
          },
        }),
        result({
          name: 'network-map-tick',
          value: ms(ticks.app.total),
          unit: 'ms/tick+frame',
          baseline: ms(ticks.bare.total),
          baselineName: 'bare reference given brand-new data arrays (every attribute rebuilt) + one frame',
          better: 'lower',
          target: null,
          params: {
            ...common,
            ticks: ticks.app.total.length,
            appPath: 'siteFigures(10,000 node rows) → siteLooks → figuresVersion+1 → buildLayers (same structural arrays) → setProps → layer update → one frame',
            appUpdateMs: ticks.app.update.map((x) => round(x, 1)),
            bareUpdateMs: ticks.bare.update.map((x) => round(x, 1)),
            note: 'the frame dominates on SwiftShader; network-map-tick-update has the tick alone',
          },
        }),
        result({
          name: 'network-map-tick-update',
          value: ms(appUpdates),
          unit: 'ms/tick',
          baseline: ms(bareUpdates),
          baselineName: 'bare reference given brand-new data arrays (every attribute rebuilt), no frame',
          better: 'lower',
          target: null,
          params: {
            ...common,
            ticks: UPDATES,
            appP95Ms: p95(appUpdates),
            bareP95Ms: p95(bareUpdates),
            measured: 'from the new node rows to deck.gl having updated its layers (attributes computed, uploads queued); no frame',
          },
        }),
      ];
    } finally {
      await b.close();
    }
  },
};
