import { test as base } from '@playwright/test';
import { type Host, startHealthyHost } from './host';

export type { Host };

/** One host (with its own embedded database) per worker, shared by the specs that run there. */
export const test = base.extend<object, { host: Host }>({
  host: [
    async ({}, use) => {
      // Alert rules evaluated every 3 s instead of 15 s: a spec waits seconds, not tens of seconds.
      // A policy minute lasts an hour (MC_SESSION_MINUTE_MS, test only): the shared host must not
      // idle-lock under specs that make no input for a while (session-lock.spec.ts has its own host).
      const host = await startHealthyHost({ env: { MC_OPS_INTERVAL_MS: '3000', MC_SESSION_MINUTE_MS: '3600000' } });
      await use(host);
      await host.stop();
    },
    // Start (up to 90 s) and health (up to 60 s) have patience of their own, and say why they gave
    // up; the fixture's own limit must not cut them short with a bare "timeout".
    { scope: 'worker', timeout: 180_000 },
  ],
});

export { expect } from '@playwright/test';

/** The nodes table is virtualised: a row exists only when in view, so search for it first. */
export async function openNode(page: import('@playwright/test').Page, host: Host, hostname: string): Promise<void> {
  await page.goto(`${host.url}#/nodes`);
  await page.getByLabel('Search nodes').fill(hostname);
  await page.getByTestId(`node-${hostname}`).dblclick();
  await page.getByTestId('node-detail').waitFor();
}
