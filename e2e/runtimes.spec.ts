import { expect, test } from './fixtures';
import { type Host, startHealthyHost } from './host';

/**
 * The runtimes table at a laptop's 1280×720 and at 1440×900: a figure and its unit on one line
 * ("42.0 %" split over two rows read as two values), host names whole, and the Probe button inside
 * the window (the table no wider than its view). On a host of its own with the demo gateway, whose
 * simulated vLLM and Ollama runtimes are what an operator sees first.
 */
let host: Host;
test.beforeAll(async () => {
  test.setTimeout(180_000);
  host = await startHealthyHost({ env: { MC_DEMO_GATEWAY: '1' } });
});
test.afterAll(async () => {
  await host?.stop();
});

for (const size of [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
]) {
  test(`runtimes at ${size.width}×${size.height}: figures and units on one line, the table inside the window`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto(`${host.url}#/runtimes`);
    const table = page.getByTestId('runtimes');
    // The demo grid's simulated runtimes, once probed (a KV-cache figure means a probe answered).
    await expect(table.locator('tbody td.num', { hasText: '%' }).first()).toBeVisible({ timeout: 90_000 });
    const report = await table.evaluate((t) => {
      /** Lines a cell's text takes: distinct tops of its text's boxes. */
      const lines = (el: Element) => {
        const r = document.createRange();
        r.selectNodeContents(el);
        return new Set(Array.from(r.getClientRects()).filter((b) => b.width > 0).map((b) => Math.round(b.top))).size;
      };
      const cells = [...Array.from(t.querySelectorAll('tbody td.num')), ...Array.from(t.querySelectorAll('tbody td .mono.nowrap'))];
      return {
        wrapped: cells.filter((c) => lines(c) > 1).map((c) => c.textContent),
        checked: cells.length,
        tableWidth: t.scrollWidth,
        room: t.parentElement!.clientWidth,
        pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    expect(report.checked).toBeGreaterThan(4);
    expect(report.wrapped, 'cells whose figure and unit (or host name) wrap').toEqual([]);
    expect(report.tableWidth).toBeLessThanOrEqual(report.room);
    expect(report.pageOverflow).toBeLessThanOrEqual(0);
    const probe = table.getByRole('button', { name: 'Probe' }).first();
    const box = (await probe.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(size.width);
  });
}

test('observability: the gateway panel shows the demo gateway, live, and its requests from the records', async ({ page }) => {
  await page.goto(`${host.url}#/observability`);
  const panel = page.getByTestId('gateway-panel');
  // Asked live: its /healthz answered; its loopback address and its login's name, never a password.
  const local = panel.getByTestId('gateway-local');
  await expect(local).toHaveAttribute('data-up', 'yes', { timeout: 60_000 });
  await expect(local).toContainText(/listens at http:\/\/127\.0\.0\.1:\d+ since/);
  await expect(local).toContainText(/as the database login \S+ \(a member of mc_gateway/);
  await expect(local).toContainText('Database reachable');
  // The demo's simulated traffic (a request every few seconds) is counted from its request records.
  const row = panel.getByTestId('gateway-demo');
  await expect(row).toContainText('(simulated)', { timeout: 60_000 });
  const requests1h = Number((await row.locator('td').nth(4).textContent())!.replace(/\D/g, ''));
  expect(requests1h).toBeGreaterThan(0);
  const html = await panel.innerHTML();
  expect(html).not.toMatch(/password=|:\/\/[^/\s]+:[^@/\s]+@/);
});
