import type { Locator, Page } from '@playwright/test';
import { expect, type Host } from './fixtures';

/**
 * A corridor of the spec's own (no sites, no nodes, no drills), added through Corridors, then
 * Readiness opened on it: its row, which says no gates are set up yet.
 */
export async function newCorridorOnReadiness(page: Page, host: Host, name: string): Promise<Locator> {
  const key = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  await page.goto(`${host.url}#/corridors`);
  await page.getByRole('button', { name: 'Add corridor' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('input[name=key]').fill(key);
  await dialog.locator('input[name=name]').fill(name);
  await dialog.getByTestId('save-policy').click();
  await expect(page.getByTestId(`corridor-${key}`)).toBeVisible();
  await page.goto(`${host.url}#/readiness`);
  const row = page.getByTestId(`readiness-${name}`);
  await expect(row).toContainText('no gates set up');
  return row;
}
