import type { Page } from '@playwright/test';
import { expect, type Host } from './fixtures';

/** Add a customer pilot in the demo's EU corridor from Readiness; returns its gate page. */
export async function addPilot(page: Page, host: Host, customer: string) {
  await page.goto(`${host.url}#/readiness`);
  await page.getByTestId('add-pilot').click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('input[name=customerName]').fill(customer);
  await dialog.locator('select[name=corridorId]').selectOption({ label: 'EU' });
  await dialog.getByTestId('save-pilot').click();
  const run = page.getByTestId('run-page');
  await expect(run.getByTestId('run-title')).toHaveText(`Customer pilot acceptance gates: ${customer}`);
  return run;
}
