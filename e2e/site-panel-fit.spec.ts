import { expect, test } from './fixtures';

/**
 * The Network site panel (opened from the map, a search, or an incident's "Show on map") lists the
 * site's nodes in a 340 px column: every column, p95 included, must show without scrolling the
 * panel sideways, and a host name stays on one line. Five cells side by side used to push p95 out
 * of view and break "fra-01-gpu01" over three lines.
 */
for (const size of [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
]) {
  test(`the site panel's nodes fit the panel at ${size.width}×${size.height}`, async ({ page, host }) => {
    await page.setViewportSize(size);
    await page.goto(`${host.url}#/network`);
    await page.getByPlaceholder(/Jump to a site/).fill('FRA-01');
    // The grid loads after the page: pick the hit once the search has found it.
    await page.getByTestId('search-hits').getByRole('option', { name: /FRA-01 Frankfurt/ }).first().click();
    const panel = page.getByTestId('site-panel');
    await expect(panel).toContainText('FRA-01 Frankfurt');
    const nodes = panel.getByTestId('site-nodes');
    await expect(nodes).toContainText('fra-01-gpu01');
    const fit = await panel.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const cells = Array.from(el.querySelectorAll('[data-testid=site-nodes] tr:first-child td'));
      const host = el.querySelector('[data-testid=site-nodes] .mono');
      const line = host ? parseFloat(getComputedStyle(host).lineHeight) || 16 : 0;
      return {
        sideways: el.scrollWidth - el.clientWidth,
        cellsPastEdge: cells.filter((c) => c.getBoundingClientRect().right > box.right - 1).length,
        hostLines: host ? Math.round(host.getBoundingClientRect().height / line) : 0,
      };
    });
    expect(fit.sideways, 'the panel scrolls sideways').toBeLessThanOrEqual(0);
    expect(fit.cellsPastEdge, 'cells past the panel edge').toBe(0);
    expect(fit.hostLines, 'a host name on one line').toBe(1);
  });
}
