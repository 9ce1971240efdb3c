/// <reference types="vite/client" />
import '../../../src-renderer/styles/theme.css';
import { Deck, type Layer, MapView, type MapViewState, WebMercatorViewport } from '@deck.gl/core';
import { ArcLayer, ScatterplotLayer } from '@deck.gl/layers';
import { siteFigures } from '../../../src-shared/domain/network';
import { countries } from '../../../src-renderer/views/network/basemap';
import { type Arc, buildLayers, type MapModel, type Ring, type SitePoint } from '../../../src-renderer/views/network/map-layers';
import { boundaries, shading, siteLooks, sitePoints } from '../../../src-renderer/views/network/map-model';
import { fitView } from '../../../src-renderer/views/network/map-view';
import { corridorColor, readPalette } from '../../../src-renderer/views/network/palette';
import { rng } from '../../../src-shared/domain/random';
import { randomHealth, syntheticGrid } from './synthetic-grid';

/*
 * The map benchmark's page. Three decks on one stage, same size, shown one at a time: an empty
 * deck, a bare reference (one plain ScatterplotLayer + one plain ArcLayer, deck.gl defaults) and
 * the app's layers from buildLayers. Every figure is timed here, synchronously, with the GPU work
 * forced to finish (1-pixel readPixels), so SwiftShader's rasterising is counted, not just queued.
 */

const W = 1280;
const H = 800;
const SITES = 1000;
const NODES_PER_SITE = 10;
const ARCS = 20_000;
/** Arcs drawn as failover flows (the rest are corridor links); the bare reference draws all of them in one layer. */
const FLOWS = 2_000;
const RINGS = 40;

export type Variant = 'empty' | 'bare' | 'app';

const grid = syntheticGrid({ sites: SITES, nodesPerSite: NODES_PER_SITE, pairs: ARCS });
const palette = readPalette();
const figures0 = siteFigures(grid.sites, grid.nodes);
const points = sitePoints(figures0);
const colourOf = new Map(grid.corridors.map((c) => [c.id, corridorColor(c, 150)]));
const arcs: Arc[] = grid.pairs.map(([a, b], i) => {
  const s = points[a]!;
  const t = points[b]!;
  return i < FLOWS
    ? { id: `f${i}`, from: s.position, to: t.position, color: palette.health.critical, width: 2 + (i % 7) }
    : { id: `l${i}`, from: s.position, to: t.position, color: colourOf.get(s.corridorId)!, width: 1.2 };
});
const flows = arcs.slice(0, FLOWS);
const links = arcs.slice(FLOWS);
const rings: Ring[] = points.slice(0, RINGS).map((p, i) => ({ siteId: p.id, position: p.position, color: i % 3 ? palette.severity.high : palette.severity.critical }));

// Memoised by the view on corridors and selection, so computed once here too.
const shade = shading(grid.corridors, grid.sites, null, palette, 60);
const outlines = boundaries(grid.corridors, grid.sites, undefined, null, palette);
let figuresVersion = 1;
function model(figures = figures0): MapModel {
  return {
    palette,
    countries: countries(),
    shading: shade,
    shadingVersion: 'bench',
    boundaries: outlines,
    sites: points,
    looks: siteLooks(figures, undefined),
    figuresVersion,
    maxCapacity: figures.reduce((m, f) => Math.max(m, f.capacity), 0),
    links,
    flows,
    rings,
    selectedSiteId: null,
  };
}

/** deck.gl's defaults: constant colour and size, so only positions are per-instance attributes. */
function bareLayers(sites: readonly SitePoint[], all: readonly Arc[]): Layer[] {
  return [
    new ScatterplotLayer<SitePoint>({ id: 'bare-sites', data: sites as SitePoint[], getPosition: (s) => s.position }),
    new ArcLayer<Arc>({ id: 'bare-arcs', data: all as Arc[], getSourcePosition: (a) => a.from, getTargetPosition: (a) => a.to }),
  ];
}

const home = fitView(points, W, H);

interface Stage {
  box: HTMLDivElement;
  deck: Deck<MapView>;
  gl: WebGL2RenderingContext;
  layers: Layer[];
  /** Frames the deck has drawn, and how many of them the bench asked for (the same once setup is done). */
  drawn: number;
  asked: number;
}
const stages = new Map<Variant, Stage>();
const pixel = new Uint8Array(4);

/**
 * deck.setProps({ layers }) only queues the layers; the deck matches them and updates their
 * attributes in its next animation frame, before drawing. The bench runs that step itself (the
 * call the deck's frame makes), so an update is timed on its own and in the frame it belongs to.
 */
function updateLayers(st: Stage): void {
  const lm = (st.deck as unknown as { layerManager: { updateLayers(): void } | null }).layerManager;
  if (!lm || typeof lm.updateLayers !== 'function') throw new Error('deck.gl internals changed: no layerManager.updateLayers()');
  lm.updateLayers();
}

function draw(st: Stage, reason: string): void {
  st.asked++;
  st.deck.redraw(reason);
  // A 1-pixel read waits for every queued GL command: the frame's rasterising is in the figure.
  st.gl.readPixels(0, 0, 1, 1, st.gl.RGBA, st.gl.UNSIGNED_BYTE, pixel);
}

const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(r));

async function makeStage(variant: Variant, layers: Layer[]): Promise<Stage> {
  const box = document.createElement('div');
  box.style.cssText = `position:absolute;left:0;top:0;width:${W}px;height:${H}px;visibility:hidden`;
  document.getElementById('stage')!.append(box);
  let loaded!: () => void;
  let failed!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => ((loaded = res), (failed = rej)));
  const st = { box, layers, drawn: 0, asked: 0 } as Stage;
  st.deck = new Deck<MapView>({
    parent: box,
    width: W,
    height: H,
    useDevicePixels: true,
    views: new MapView({ repeat: false }),
    viewState: home,
    layers,
    onLoad: () => loaded(),
    onAfterRender: () => void st.drawn++,
    onError: (e) => failed(e instanceof Error ? e : new Error(String(e))),
  });
  await ready;
  const gl = st.deck.getCanvas()?.getContext('webgl2');
  if (!gl) throw new Error(`${variant}: no WebGL2 context on the deck's canvas`);
  st.gl = gl;
  await settle(st);
  // From here the bench runs every layer update and draw itself: the deck's own animation loop
  // would otherwise draw frames nobody times (after a view or layer change) that the next timed
  // frame then waits for on the one GPU thread.
  const loop = (st.deck as unknown as { animationLoop: { stop(): void } | null }).animationLoop;
  if (!loop || typeof loop.stop !== 'function') throw new Error('deck.gl internals changed: no animationLoop.stop()');
  loop.stop();
  st.asked = st.drawn;
  return st;
}

/** Until every layer has its data processed and has been drawn once (shaders compiled, buffers uploaded). */
async function settle(st: Stage): Promise<void> {
  updateLayers(st);
  const from = st.drawn;
  draw(st, 'settle');
  for (let i = 0; i < 100; i++) {
    if (st.layers.every((l) => l.isLoaded) && st.drawn > from) return;
    await nextFrame();
    updateLayers(st);
    draw(st, 'settle');
  }
  throw new Error('layers did not load');
}

function show(v: Variant): Stage {
  for (const [k, st] of stages) st.box.style.visibility = k === v ? 'visible' : 'hidden';
  return stages.get(v)!;
}

async function setup() {
  if (!document.createElement('canvas').getContext('webgl2')) throw new Error('no WebGL2 in this browser');
  const t0 = performance.now();
  stages.set('empty', await makeStage('empty', []));
  stages.set('bare', await makeStage('bare', bareLayers(points, arcs)));
  stages.set('app', await makeStage('app', buildLayers(model())));
  const gl = stages.get('app')!.gl;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  let vertices = 0;
  for (const f of countries().features) {
    const g = f.geometry;
    if (g.type === 'Polygon') for (const r of g.coordinates) vertices += r.length;
    else if (g.type === 'MultiPolygon') for (const p of g.coordinates) for (const r of p) vertices += r.length;
  }
  return {
    renderer: info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER)),
    canvas: `${gl.drawingBufferWidth}x${gl.drawingBufferHeight}`,
    setupMs: Math.round(performance.now() - t0),
    sites: points.length,
    nodes: grid.nodes.length,
    links: links.length,
    flows: flows.length,
    rings: rings.length,
    boundaries: outlines.length,
    basemapCountries: countries().features.length,
    basemapVertices: vertices,
    appLayers: stages.get('app')!.layers.map((l) => l.id),
  };
}

/**
 * `n` frames of `variant`, each panning the view a little (so every layer redraws in a new
 * viewport), timed from the view change to the end of the GPU work. One frame per animation frame,
 * so the browser keeps compositing between them as it would on screen.
 */
async function frames(variant: Variant, n: number, warmup = 0): Promise<number[]> {
  const st = show(variant);
  const out: number[] = [];
  for (let i = 0; i < warmup + n; i++) {
    await nextFrame();
    const t0 = performance.now();
    st.deck.setProps({ viewState: { ...home, longitude: home.longitude + 1.5 * Math.sin(i / 8), latitude: home.latitude + 0.8 * Math.cos(i / 11) } });
    draw(st, 'bench pan');
    if (i >= warmup) out.push(performance.now() - t0);
  }
  return out;
}

function setLayers(st: Stage, layers: Layer[]): void {
  st.deck.setProps({ layers });
  updateLayers(st);
}

/**
 * The app's frame with some of its layers hidden (visible: false, so deck.gl skips drawing them and
 * nothing is rebuilt), for finding which one costs most.
 */
async function framesWithout(ids: string[], n: number): Promise<number[]> {
  const st = stages.get('app')!;
  const shown = (on: boolean) => {
    st.layers = st.layers.map((l) => (ids.includes(l.id) ? l.clone({ visible: on }) : l));
    setLayers(st, st.layers);
  };
  shown(false);
  try {
    return await frames('app', n);
  } finally {
    shown(true);
  }
}

/** Every node's health changes: the telemetry tick the store hands the view. Built outside the timings. */
function tickedNodes(seed: number) {
  const r = rng(seed);
  return grid.nodes.map((n) => ({ ...n, health: randomHealth(r) }));
}

/**
 * One telemetry tick. App: the view's own path (siteFigures over 10,000 node rows, siteLooks, a
 * new figuresVersion, buildLayers with the same structural arrays, so deck.gl recomputes only the
 * attributes behind updateTriggers). Bare: brand-new data arrays of new objects, so deck.gl
 * rebuilds every attribute (what a view that rebuilds its data on each tick does).
 */
function tick(st: Stage, variant: 'app' | 'bare', input: { nodes: ReturnType<typeof tickedNodes>; sites: SitePoint[]; arcs: Arc[] }): void {
  if (variant === 'bare') {
    st.layers = bareLayers(input.sites, input.arcs);
  } else {
    const figures = siteFigures(grid.sites, input.nodes);
    figuresVersion++;
    st.layers = buildLayers(model(figures));
  }
  setLayers(st, st.layers);
}

function tickInputs(variant: 'app' | 'bare', seed: number) {
  return variant === 'bare' ? { nodes: [], sites: points.map((p) => ({ ...p })), arcs: arcs.map((a) => ({ ...a })) } : { nodes: tickedNodes(seed), sites: [], arcs: [] };
}

/** Ticks each followed by one frame: `update` is the tick alone (CPU, attributes queued for upload), `total` includes the frame. */
async function ticks(variant: 'app' | 'bare', n: number, seed: number): Promise<{ update: number[]; total: number[] }> {
  const st = show(variant);
  st.deck.setProps({ viewState: home });
  const update: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < n; i++) {
    const input = tickInputs(variant, seed + i);
    await nextFrame();
    const t0 = performance.now();
    tick(st, variant, input);
    const t1 = performance.now();
    draw(st, 'bench tick');
    total.push(performance.now() - t0);
    update.push(t1 - t0);
  }
  return { update, total };
}

/**
 * Ticks without frames (the deck's own loop is stopped, so none is drawn): the CPU side of a tick,
 * measured over many, since on SwiftShader the frame after it dwarfs it.
 */
async function updates(variant: 'app' | 'bare', n: number, seed: number): Promise<number[]> {
  const st = stages.get(variant)!;
  const inputs = Array.from({ length: n }, (_, i) => tickInputs(variant, seed + i));
  const out: number[] = [];
  for (const input of inputs) {
    const t0 = performance.now();
    tick(st, variant, input);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Frames drawn that the bench did not ask for (must stay 0, or a timed frame waited for one). */
const unaskedDraws = () => [...stages.values()].reduce((n, st) => n + st.drawn - st.asked, 0);

declare global {
  interface Window {
    benchMap: { setup: typeof setup; frames: typeof frames; framesWithout: typeof framesWithout; ticks: typeof ticks; updates: typeof updates; unaskedDraws: typeof unaskedDraws };
  }
}
window.benchMap = { setup, frames, framesWithout, ticks, updates, unaskedDraws };
