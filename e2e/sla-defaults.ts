import { expect, type Page } from '@playwright/test';

/**
 * Make sure this host has the default SLA policies (specs share a host, and whichever runs first
 * installs them). Waits until the SLA view shows either the install button or an installed
 * policy before deciding: a check made while the view still loads would skip the install.
 */
export async function ensureSlaDefaults(page: Page, hostUrl: string): Promise<void> {
  await page.goto(`${hostUrl}#/sla`);
  const install = page.getByTestId('install-defaults');
  await expect(install.or(page.getByTestId('policy-enterprise-standard'))).toBeVisible();
  if (await install.isVisible()) {
    await install.click();
    await expect(page.getByTestId('policy-enterprise-standard')).toBeVisible();
  }
}
