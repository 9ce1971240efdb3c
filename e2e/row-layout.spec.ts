import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures';

/**
 * The shared `.row` group (a form's fields side by side, a step's title, state and time): each item
 * keeps a gap from the next one on its line, at a laptop's and a workstation's size. Without it a
 * label ran into the previous field ("…releaseEnvironment", "5000statement_timeout").
 */
async function gapsOnALine(row: Locator): Promise<{ between: string; gap: number }[]> {
  return row.evaluate((el) => {
    const items = Array.from(el.children).filter((c) => getComputedStyle(c).display !== 'none');
    const out: { between: string; gap: number }[] = [];
    for (let i = 1; i < items.length; i++) {
      const a = items[i - 1]!.getBoundingClientRect();
      const b = items[i]!.getBoundingClientRect();
      // Only neighbours on the same line: a wrapped item starts a new one.
      if (b.top >= a.bottom - 1) continue;
      out.push({ between: `${(items[i - 1]!.textContent ?? '').trim().slice(0, 24)} | ${(items[i]!.textContent ?? '').trim().slice(0, 24)}`, gap: Math.round(b.left - a.right) });
    }
    return out;
  });
}

for (const size of [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
]) {
  test(`form rows keep their fields apart at ${size.width}×${size.height}`, async ({ page, host }) => {
    await page.setViewportSize(size);
    await page.goto(`${host.url}#/deployments`);
    const form = page.getByTestId('new-run').locator('form');
    await expect(form.locator('#release-name')).toBeVisible();
    const deploy = await gapsOnALine(form);
    expect(deploy.length, 'the deployment form has fields side by side').toBeGreaterThan(2);
    for (const g of deploy) expect(g.gap, g.between).toBeGreaterThanOrEqual(4);

    await page.goto(`${host.url}#/migrations`);
    const sqlForm = page.getByTestId('check-file').locator('form');
    await expect(sqlForm).toBeVisible();
    const sql = await gapsOnALine(sqlForm);
    expect(sql.length, 'the SQL form has fields side by side').toBeGreaterThan(1);
    for (const g of sql) expect(g.gap, g.between).toBeGreaterThanOrEqual(4);
  });
}
