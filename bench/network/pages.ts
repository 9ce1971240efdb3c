import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from '@playwright/test';
import react from '@vitejs/plugin-react';
import { build } from 'vite';

/*
 * What both network benchmarks need: their pages built with Vite from bench/network/page (which
 * imports the app's own modules), served over loopback HTTP (ES modules do not load from
 * file://), and a headless Chromium drawing WebGL2 through SwiftShader. Nothing is written into
 * the repository: the build goes to a temp folder removed when the process exits.
 */

const PAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'page');
export const CHROMIUM = process.env.MC_CHROMIUM ?? '/usr/bin/chromium';

/**
 * --no-sandbox: the benches may run as root (containers, CI). Playwright already passes
 * --enable-unsafe-swiftshader, --disable-sync, --disable-component-update and
 * --disable-background-networking, and that alone gives WebGL2 on a GPU-less machine; they are
 * repeated so the bench does not depend on Playwright's defaults. --use-angle=swiftshader pins the
 * rasteriser, so a machine with a GPU measures the same thing as one without.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--ignore-gpu-blocklist',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

let built: Promise<string> | null = null;

/** Builds the bench pages once per process (both benches share the build). */
export function buildPages(): Promise<string> {
  built ??= (async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'mc-bench-pages-'));
    process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
    await build({
      configFile: false,
      root: PAGE_ROOT,
      base: './',
      logLevel: 'error',
      // A production build, as the app ships: React without its development checks.
      mode: 'production',
      plugins: [react()],
      build: {
        outDir,
        emptyOutDir: true,
        reportCompressedSize: false,
        chunkSizeWarningLimit: 10_000,
        rollupOptions: { input: { map: join(PAGE_ROOT, 'map.html'), graph: join(PAGE_ROOT, 'graph.html') } },
      },
    });
    return outDir;
  })();
  return built;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** A static file server on 127.0.0.1 for the built pages. */
export async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    let size = -1;
    try {
      if (path.startsWith(root + sep)) size = statSync(path).isFile() ? statSync(path).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** CPU time (ms) Chromium's processes have used so far, by kind: SwiftShader's work is in `gpu`. */
export interface BrowserCpu {
  gpu: number;
  renderer: number;
  all: number;
}

export interface BenchBrowser {
  browser: Browser;
  url: string;
  /**
   * CPU time used so far (CDP SystemInfo.getProcessInfo, 10 ms resolution). Unlike wall time it does
   * not grow when other processes take the cores, so it is the steadier figure on a shared machine.
   */
  cpu(): Promise<BrowserCpu>;
  /** A fresh page at `path` (relative to the served build), 1280x800 at device scale 1. */
  open(path: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launch(): Promise<BenchBrowser> {
  try {
    statSync(CHROMIUM);
  } catch {
    throw new Error(`Chromium is missing at ${CHROMIUM} (apt-get install chromium, or set MC_CHROMIUM)`);
  }
  const dir = await buildPages();
  const http = await serve(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const cdp = await browser.newBrowserCDPSession();
  return {
    browser,
    url: http.url,
    async cpu() {
      const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
      const sum = (f: (p: { type: string }) => boolean) => Math.round(processInfo.filter(f).reduce((n, p) => n + p.cpuTime, 0) * 1000);
      return { gpu: sum((p) => p.type === 'GPU'), renderer: sum((p) => p.type === 'renderer'), all: sum(() => true) };
    },
    async open(path) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${http.url}/${path}`);
      if (errors.length) throw new Error(`${path}: ${errors.join('; ')}`);
      return page;
    },
    async close() {
      await browser.close();
      await http.close();
    },
  };
}
