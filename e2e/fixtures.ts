import { test as base } from '@playwright/test';
import { type Host, startHost, waitHealthy } from './host';

/** One host (with its own embedded database) per worker, shared by the specs that run there. */
export const test = base.extend<object, { host: Host }>({
  host: [
    async ({}, use) => {
      const host = await startHost();
      await waitHealthy(host);
      await use(host);
      await host.stop();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
