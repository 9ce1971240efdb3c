import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/**
 * Playwright drives the distribution's Chromium (playwright's own browser download is not used).
 * Without Chromium the specs skip with one line; with MC_REQUIRE_ALL=1 that is a failure.
 */
export const CHROMIUM = process.env.MC_CHROMIUM ?? '/usr/bin/chromium';
// One id for the whole run, inherited by the workers: e2e/host.ts counts failed host starts under it.
process.env.MC_E2E_RUN ??= randomUUID();
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.MC_REQUIRE_ALL === '1') throw new Error(`MC_REQUIRE_ALL=1 but Chromium is missing at ${CHROMIUM} (apt-get install chromium, or set MC_CHROMIUM)`);
  console.warn(`skipped: browser specs, Chromium is missing at ${CHROMIUM} (apt-get install chromium, or set MC_CHROMIUM)`);
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  testIgnore: haveChromium ? [] : ['**/*.spec.ts'],
  // Map and graph specs render WebGL in software (SwiftShader) and start ELK's worker beside it: with
  // two workers on a loaded 2-core CI machine a page has taken 30–60 s to settle. States are waited
  // on (90 s where the map or graph draws), never fixed sleeps, so a pass is as fast as the machine.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  workers: 2,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
    viewport: { width: 1400, height: 860 },
    // MC_TRACE=1 keeps a trace of each failed spec (test-results/…/trace.zip): slower, so off by default.
    trace: process.env.MC_TRACE === '1' ? 'retain-on-failure' : 'off',
  },
});
