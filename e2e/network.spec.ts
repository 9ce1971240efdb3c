import type { Page } from '@playwright/test';
import { startHost, waitHealthy } from './host';
import { expect, test } from './fixtures';
import { invoke } from './invoke';

/** Waits until the map has drawn its sites, then returns where a site (by name) is on the page. */
async function sitePoint(page: Page, name: string): Promise<{ id: string; x: number; y: number }> {
  const locate = () =>
    page.evaluate((n) => {
      const site = window.__mcMap?.sites().find((s) => s.name === n);
      const p = site ? window.__mcMap!.pointOf(site.id) : null;
      return site && p ? { id: site.id, x: p[0], y: p[1] } : null;
    }, name);
  await expect.poll(locate, { timeout: 90_000, message: `the map draws ${name}` }).not.toBeNull();
  const box = (await page.getByTestId('network-map').boundingBox())!;
  const inside = (p: { x: number; y: number }) => p.x > box.x && p.x < box.x + box.width && p.y > box.y && p.y < box.y + box.height;
  // Let a fly-to or a fit settle: the point must hold still before a click can hit it. A site
  // left outside the view by an earlier fly-to gets the map fitted (the Fit button) once.
  const settle = async () => {
    let last = (await locate())!;
    await expect
      .poll(async () => {
        const now = (await locate())!;
        const still = Math.abs(now.x - last.x) < 0.5 && Math.abs(now.y - last.y) < 0.5;
        last = now;
        return still;
      }, { timeout: 10_000, intervals: [300] })
      .toBe(true);
    return last;
  };
  let last = await settle();
  if (!inside(last)) {
    await page.getByTestId('map-fit').click();
    last = await settle();
  }
  expect(inside(last), `${name} is drawn inside the map's view`).toBe(true);
  return last;
}

/**
 * Pixels of the map as the screen shows them: a screenshot of the map element decoded in the page
 * (a WebGL canvas cannot be read back once presented). Returns the colours at the given points
 * (relative to the element) and how many distinct colours a coarse grid over it holds.
 */
async function samplePixels(page: Page, points: [number, number][] = []): Promise<{ distinct: number; at: number[][] }> {
  const map = page.getByTestId('network-map');
  const png = (await map.screenshot()).toString('base64');
  return page.evaluate(
    async ({ png, points }) => {
      // Decoded from bytes: the app's CSP rightly refuses fetching a data: URL.
      const bytes = Uint8Array.from(atob(png), (ch) => ch.charCodeAt(0));
      const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const c = new OffscreenCanvas(img.width, img.height);
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const seen = new Set<string>();
      for (let y = 4; y < img.height; y += 12) for (let x = 4; x < img.width; x += 12) seen.add(Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3)).join());
      return { distinct: seen.size, at: points.map(([x, y]) => Array.from(g.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3))) };
    },
    { png, points },
  );
}

test.describe('network views', () => {
  // One page for the whole describe: a WebGL context compiles its shaders once (seconds under
  // SwiftShader), not once per test. Each test leaves the view as it found it.
  test.describe.configure({ mode: 'serial' });
  let page: Page;
  test.beforeAll(async ({ browser, host }) => {
    page = await browser.newPage();
    await page.goto(`${host.url}#/network`);
  });
  test.afterAll(async () => page?.close());
  test.afterEach(async () => {
    await page.keyboard.press('Escape');
    if (await page.getByTestId('clear-filters').count()) await page.getByTestId('clear-filters').click();
    await page.keyboard.press('x');
    await page.keyboard.press('f');
  });

  test('the map draws the basemap, corridors and sites, and clicking a site opens its panel', async () => {
    const fra = await sitePoint(page, 'FRA-01 Frankfurt');
    const counts = await page.evaluate(() => window.__mcMap!.counts());
    expect(counts.sites).toBeGreaterThanOrEqual(40);
    expect(counts.links).toBeGreaterThan(20);
    // Not a blank canvas: water, land, corridor shading, borders and sites give many colours, and
    // Frankfurt's dot is drawn in its health colour (green for healthy), not the background.
    const healthColour = () =>
      page.evaluate((id) => {
        const health = window.__mcMap!.healthOf(id) ?? 'unknown';
        // The map's palette (views/network/palette.ts): each health state is a theme colour, opaque;
        // a site whose nodes are all drained (a drill in the same host drains Frankfurt) is drawn drained.
        const drained = window.__mcMap!.drainOf(id) === 'all';
        const v = drained ? '--maint' : { healthy: '--ok', warning: '--warn', critical: '--bad', stale: '--text-faint', unknown: '--border-strong' }[health as 'healthy'];
        const hex = getComputedStyle(document.documentElement).getPropertyValue(v).trim().replace('#', '');
        return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
      }, fra.id);
    // Telemetry ticks every few seconds and may change the site's health between the screenshot
    // and the read of its health: the two must agree in a frame taken between two equal reads.
    await expect
      .poll(
        async () => {
          const before = await healthColour();
          // Read the point and the map's box again on each try: a banner that appears late (open
          // incidents) moves the map down after the first read.
          const [now, mapBox] = await Promise.all([sitePoint(page, 'FRA-01 Frankfurt'), page.getByTestId('network-map').boundingBox()]);
          // The dot's centre and the pixels 2 px around it: a small dot (its area follows capacity
          // relative to the largest site shown) need not cover the exact projected pixel.
          const cx = now.x - mapBox!.x;
          const cy = now.y - mapBox!.y;
          const around: [number, number][] = [-2, 0, 2].flatMap((dx) => [-2, 0, 2].map((dy) => [cx + dx, cy + dy] as [number, number]));
          const { distinct, at } = await samplePixels(page, around);
          const after = await healthColour();
          expect(distinct).toBeGreaterThan(12);
          const hit = at.some((px) => px.every((channel, i) => Math.abs(channel - after[i]!) < 40));
          const agree = before.join() === after.join() && hit;
          return agree ? 'drawn in its health colour' : `drawn ${at.map((px) => px.join(',')).join(' | ')}, health colour ${after}`;
        },
        { timeout: 20_000, message: "Frankfurt's dot is drawn in its health colour" },
      )
      .toBe('drawn in its health colour');

    // Hover shows the key figures; a click opens the panel with the site's nodes.
    // The page may still shift (a banner, a live update) after the point was read: each try reads
    // where Frankfurt is drawn now and moves there, rather than waiting at a stale position.
    let at = fra;
    const hovered = async () => {
      at = await sitePoint(page, 'FRA-01 Frankfurt');
      await page.mouse.move(at.x - 2, at.y);
      await page.mouse.move(at.x, at.y);
      const tip = page.getByTestId('map-tooltip');
      return (await tip.count()) ? ((await tip.textContent()) ?? '') : '';
    };
    await expect.poll(hovered, { timeout: 90_000, message: 'hovering Frankfurt shows its tooltip' }).toContain('FRA-01 Frankfurt');
    await expect(page.getByTestId('map-tooltip')).toContainText('nodes running');
    await page.mouse.click(at.x, at.y);
    const panel = page.getByTestId('site-panel');
    await expect(panel).toContainText('FRA-01 Frankfurt');
    await expect(panel).toContainText('DE · ');
    await expect(panel.getByTestId('site-nodes')).toContainText('fra-01-gpu01');
    await expect(page.getByTestId('network-map')).toHaveAttribute('data-selected', fra.id);
    // The selected site is in the address: a reload (or a shared link) shows it again.
    await expect(page).toHaveURL(new RegExp(`#/network/${fra.id}$`));
    await page.reload();
    await expect(page.getByTestId('network-map')).toHaveAttribute('data-selected', fra.id, { timeout: 90_000 });
    await expect(panel).toContainText('FRA-01 Frankfurt');
    await page.keyboard.press('Escape');
    await expect(panel).toHaveCount(0);
    await expect(page).toHaveURL(/#\/network$/);
    // The same address typed again (a link followed) selects the site again.
    await page.evaluate((id) => (location.hash = `#/network/${id}`), fra.id);
    await expect(page.getByTestId('network-map')).toHaveAttribute('data-selected', fra.id);
    await page.keyboard.press('Escape');
    await expect(panel).toHaveCount(0);
  });

  test('a site whose nodes are drained reads drained, not running, on the tooltip, the panel and the graph', async () => {
    // A site of its own, far from any demo site (Saint Helena), in a corridor of its own: no other
    // spec drains or restores its nodes, and hovering it cannot hit another site's dot.
    const u = Date.now().toString(36).slice(-6);
    const name = `DRN-${u} Jamestown`;
    type Id = { id: string };
    const { corridor } = await invoke<{ corridor: Id }>(page, 'grid.createCorridor', { key: `drain-${u}`, name: `Drain ${u}`, region: 'custom', policy: {} });
    const { site } = await invoke<{ site: Id }>(page, 'grid.createSite', {
      corridorId: corridor.id, key: `drn-${u}`, name, kind: 'telecom_edge', country: 'SH', city: 'Jamestown', latitude: -15.93, longitude: -5.72, ownerName: 'Test owner',
    });
    const { nodeGroup } = await invoke<{ nodeGroup: Id }>(page, 'grid.createNodeGroup', { siteId: site.id, key: 'pool', name: 'Pool' });
    const nodeIds: string[] = [];
    for (const k of [1, 2]) {
      const { node } = await invoke<{ node: Id }>(page, 'nodes.register', {
        siteId: site.id, nodeGroupId: nodeGroup.id, hostname: `drn-${u}-gpu0${k}`, runtimeGroup: 'vllm', gpuModel: 'L4', gpuCount: 1, gpuMemoryGb: 24, capacityTokensPerS: 500,
      });
      await invoke(page, 'nodes.transition', { nodeId: node.id, to: 'active', reason: 'burn-in passed' });
      nodeIds.push(node.id);
    }

    const tooltip = async () => {
      const at = await sitePoint(page, name);
      await page.mouse.move(at.x - 2, at.y);
      await page.mouse.move(at.x, at.y);
      const tip = page.getByTestId('map-tooltip');
      return (await tip.count()) ? ((await tip.textContent()) ?? '') : '';
    };
    const drainOf = () => page.evaluate((id) => window.__mcMap?.drainOf(id) ?? null, site.id);
    await expect.poll(tooltip, { timeout: 90_000, message: 'the new site is drawn with both nodes running' }).toContain('2 of 2 nodes running');
    expect(await drainOf()).toBe('none');
    await expect(page.getByTestId('map-tooltip-drain')).toHaveCount(0);

    // One node drained (as an operator does under Nodes): the site is partly drained.
    await invoke(page, 'nodes.transition', { nodeId: nodeIds[0], to: 'draining', reason: 'firmware update' });
    await expect.poll(drainOf, { timeout: 30_000 }).toBe('some');
    await expect.poll(tooltip, { timeout: 30_000 }).toContain('1 of 2 nodes drained');
    expect(await tooltip()).toContain('1 of 2 nodes running, 1 drained');

    // Both drained: the site is drained, and no longer says its nodes run.
    await invoke(page, 'nodes.transition', { nodeId: nodeIds[1], to: 'draining', reason: 'firmware update' });
    await expect.poll(drainOf, { timeout: 30_000 }).toBe('all');
    await expect.poll(tooltip, { timeout: 30_000 }).toContain('Drained (all 2 nodes)');
    await expect(page.getByTestId('map-tooltip-drain')).toHaveAttribute('data-drain', 'all');
    expect(await tooltip()).toContain('0 of 2 nodes running, 2 drained');
    await expect(page.getByTestId('map-tooltip-capacity')).toContainText('0 tok/s capacity for new work');
    // Its longer words wrap inside the map, whichever side of the pointer it opens on.
    const [tipBox, mapBox] = [await page.getByTestId('map-tooltip').boundingBox(), await page.getByTestId('network-map').boundingBox()];
    expect(tipBox!.x).toBeGreaterThanOrEqual(mapBox!.x);
    expect(tipBox!.x + tipBox!.width).toBeLessThanOrEqual(mapBox!.x + mapBox!.width);

    // The panel and the graph say the same.
    const at = await sitePoint(page, name);
    await page.mouse.click(at.x, at.y);
    const panel = page.getByTestId('site-panel');
    await expect(panel).toContainText(name);
    await expect(panel.getByTestId('site-drain')).toHaveAttribute('data-drain', 'all');
    await expect(panel.getByTestId('site-drain')).toContainText('Drained (all 2 nodes)');
    await expect(panel).toContainText('0 of 2 nodes running, 2 drained');
    // Its capacity is not offered as if it could take work: all of it is finishing held work.
    await expect(panel.getByTestId('site-capacity')).toHaveText(/^0 tok\/s capacity for new work, 1[,.\u202f\u00a0]?000 tok\/s finishing held work$/);
    const box = page.getByTestId(`gn-site-${name}`);
    await expect(box).toHaveAttribute('data-drain', 'all');
    await expect(box).toContainText('Drained (all 2 nodes)');
    // The legend explains the mark.
    await expect(page.locator('.net-map-legend')).toContainText('drained');

    // One node back in service: partly drained again, in the open panel too.
    await invoke(page, 'nodes.transition', { nodeId: nodeIds[0], to: 'active', reason: 'firmware done' });
    await expect(panel.getByTestId('site-drain')).toHaveAttribute('data-drain', 'some');
    await expect(panel.getByTestId('site-drain')).toContainText('1 of 2 nodes drained');
    await expect(box).toHaveAttribute('data-drain', 'some');
    await expect(panel.getByTestId('site-capacity')).toHaveText(/^500 tok\/s capacity for new work, 500 tok\/s finishing held work$/);

    // The wall display's corridor list says it too, from the same records.
    await page.evaluate(() => (location.hash = '#/network/wall'));
    const row = page.getByTestId('wall-corridors').locator('li', { hasText: `Drain ${u}` });
    await expect(row.getByTestId('wall-drained')).toHaveText('1 site partly drained');
    // Esc leaves it for Network, the site still selected.
    await page.keyboard.press('Escape');
    await expect(page).toHaveURL(new RegExp(`#/network/${site.id}$`));
  });

  test('filters change what the map and the graph draw, and clear again', async () => {
    await sitePoint(page, 'FRA-01 Frankfurt');
    const map = page.getByTestId('network-map');
    const all = Number(await map.getAttribute('data-sites'));
    await page.getByRole('group', { name: 'Corridor' }).getByRole('button', { name: 'EU', exact: true }).click();
    await expect(map).toHaveAttribute('data-sites', '8');
    const names = await page.evaluate(() => window.__mcMap!.sites().map((s) => s.name));
    expect(names).toContain('STO-01 Stockholm');
    expect(names).not.toContain('TYO-01 Tokyo');
    // The graph follows: only the EU corridor is left.
    await expect(page.getByTestId('gn-corridor-EU')).toBeVisible();
    await expect(page.getByTestId('gn-corridor-APAC')).toHaveCount(0);
    // A site kind nobody in the EU demo has: nothing drawn, and the filters say how to get back.
    await page.getByRole('group', { name: 'Site kind' }).getByRole('button', { name: 'Campus' }).click();
    const campus = Number(await map.getAttribute('data-sites'));
    expect(campus).toBeLessThan(8);
    await page.getByTestId('clear-filters').click();
    await expect(map).toHaveAttribute('data-sites', String(all));
    await expect(page.getByTestId('gn-corridor-APAC')).toBeVisible();
  });

  test('the graph expands a corridor and a site, collapses them, and shares the selection with the map', async () => {
    await sitePoint(page, 'AMS-01 Amsterdam');
    await page.getByRole('button', { name: 'Expand EU' }).click();
    const site = page.getByTestId('gn-site-AMS-01 Amsterdam');
    await expect(site).toBeVisible();
    await site.getByRole('button', { name: 'Expand AMS-01 Amsterdam' }).click();
    await expect(page.locator('[data-testid^="gn-group-"]').first()).toBeVisible();
    await expect(page.locator('[data-testid^="gn-runtime-"]').first()).toBeVisible();
    await site.getByRole('button', { name: 'Collapse AMS-01 Amsterdam' }).click();
    await expect(page.locator('[data-testid^="gn-group-"]')).toHaveCount(0);

    // Graph → map: selecting the site element selects it on the map and opens its panel.
    await site.click();
    const ams = await sitePoint(page, 'AMS-01 Amsterdam');
    await expect(page.getByTestId('network-map')).toHaveAttribute('data-selected', ams.id);
    await expect(page.getByTestId('site-panel')).toContainText('AMS-01 Amsterdam');

    // Map → graph: clicking Tokyo on the map opens APAC in the graph and selects Tokyo there.
    const tyo = await sitePoint(page, 'TYO-01 Tokyo');
    await page.mouse.click(tyo.x, tyo.y);
    const tokyo = page.getByTestId('gn-site-TYO-01 Tokyo');
    await expect(tokyo).toBeVisible();
    await expect(tokyo).toHaveClass(/selected/);
    await expect(page.getByTestId('gn-corridor-APAC')).toHaveAttribute('data-expanded', 'true');

    // x collapses everything back to corridors.
    await page.keyboard.press('Escape');
    await page.keyboard.press('x');
    await expect(page.locator('[data-testid^="gn-site-"]')).toHaveCount(0);
  });

  test('search jumps to a node: its site is selected and the graph opens down to it', async () => {
    await sitePoint(page, 'NBO-01 Nairobi');
    await page.keyboard.press('/');
    await page.keyboard.type('nbo-01-gpu02');
    await expect(page.getByTestId('search-hits')).toContainText('nbo-01-gpu02');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('site-panel')).toContainText('NBO-01 Nairobi');
    await expect(page.getByTestId('gn-node-nbo-01-gpu02')).toBeVisible();
    await expect(page.getByTestId('gn-node-nbo-01-gpu02')).toHaveClass(/selected/);
    // Nothing matches: it says so.
    await page.keyboard.press('/');
    await page.keyboard.type('no-such-host');
    await expect(page.getByTestId('search-hits')).toContainText('No site or node matches “no-such-host”.');
    await page.keyboard.press('Escape');
  });

  test('a corridor’s declared state recolours its sites live, without a reload', async ({ host, browser }) => {
    const mad = await sitePoint(page, 'MAD-01 Madrid');
    const before = await page.evaluate((id) => window.__mcMap!.healthOf(id), mad.id);
    expect(before).not.toBe('warning');
    // Another operator declares the EU corridor degraded on /status.
    const other = await browser.newPage();
    // The status view's keys: Enter opens the state dialog, 1 … 5 choose a state, Ctrl+Enter applies.
    const setEu = async (state: string, digit: string, reason: string) => {
      await other.goto(`${host.url}#/status`);
      await other.getByTestId('component-corridor.eu').click();
      await other.keyboard.press('Enter');
      await other.keyboard.press(digit);
      await other.getByTestId('state-reason').fill(reason);
      await other.keyboard.press('Control+Enter');
      await expect(other.getByTestId('component-corridor.eu')).toContainText(state);
    };
    try {
      await setEu('Degraded performance', '3', 'Backbone congestion between FRA and MAD');
      await expect.poll(() => page.evaluate((id) => window.__mcMap!.healthOf(id), mad.id), { timeout: 10_000 }).toBe(before === 'critical' ? 'critical' : 'warning');
      await page.mouse.click(mad.x, mad.y);
      await expect(page.getByTestId('site-corridor-state')).toContainText('Degraded performance — Backbone congestion between FRA and MAD');
    } finally {
      await setEu('Operational', '1', 'Congestion cleared');
      await other.close();
    }
    await expect.poll(() => page.evaluate((id) => window.__mcMap!.healthOf(id), mad.id), { timeout: 10_000 }).toBe(before);
  });
});

test.describe('wall display', () => {
  test('a read-only host shows the full-screen map with status, corridors and incidents', async ({ page }) => {
    const host = await startHost({ readOnly: true });
    try {
      await waitHealthy(host);
      await page.goto(`${host.url}#/network`);
      // On a read-only host the wall display is the primary action.
      await expect(page.getByTestId('wall-mode')).toHaveClass(/primary/);
      await page.keyboard.press('w');
      await expect(page).toHaveURL(/#\/network\/wall$/);
      const wall = page.getByTestId('wall-display');
      await expect(wall).toHaveAttribute('data-read-only', 'true');
      // No shell around it: no navigation to click by accident.
      await expect(page.getByRole('navigation')).toBeHidden();
      // A host started a moment ago, its demo agent still writing history: on a loaded machine its
      // first status read has taken longer than the default 10 s (state, not time, is waited on).
      await expect(page.getByTestId('wall-rollup')).toContainText(/operational|outage|Degraded|Maintenance/i, { timeout: 90_000 });
      await expect(page.getByTestId('wall-corridors').locator('li')).toHaveCount(5);
      await expect(page.getByTestId('wall-incidents')).toBeVisible();
      await sitePoint(page, 'SIN-01 Singapore');
      expect((await samplePixels(page)).distinct).toBeGreaterThan(12);
      await page.keyboard.press('Escape');
      await expect(page).toHaveURL(/#\/network$/);
      await expect(page.getByRole('navigation')).toBeVisible();
    } finally {
      await host.stop();
    }
  });
});

test.describe('graph layout worker', () => {
  test('a layout worker that cannot load is reported, not left saying "Laying out…"', async ({ page, host }) => {
    // The worker script is refused twice (the first try and the one retry on a fresh worker).
    let refused = 0;
    await page.route(/elk-worker[^/]*\.js/, (route) => {
      refused++;
      return route.abort();
    });
    await page.goto(`${host.url}#/network`);
    const graph = page.getByTestId('network-graph');
    await expect(graph.getByText(/^Could not lay out the graph: /)).toBeVisible({ timeout: 90_000 });
    await expect(graph).toHaveAttribute('data-laying', 'false');
    expect(refused).toBeGreaterThanOrEqual(2);

    // Once the worker can load, "Try again" lays the same graph out.
    await page.unroute(/elk-worker[^/]*\.js/);
    await graph.getByTestId('layout-retry').click();
    await expect(page.getByTestId('gn-corridor-EU')).toBeVisible({ timeout: 90_000 });
    await expect(graph.getByText(/^Could not lay out the graph: /)).toHaveCount(0);
  });
});
