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
/** Specs that load the shared Secret Service hard enough to starve others' calls: run after the rest. */
const KEYCHAIN_HEAVY = '**/credentials.spec.ts';
if (!haveChromium) {
  if (process.env.MC_REQUIRE_ALL === '1') throw new Error(`MC_REQUIRE_ALL=1 but Chromium is missing at ${CHROMIUM} (apt-get install chromium, or set MC_CHROMIUM)`);
  console.warn(`skipped: browser specs, Chromium is missing at ${CHROMIUM} (apt-get install chromium, or set MC_CHROMIUM)`);
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  testIgnore: haveChromium ? [] : ['**/*.spec.ts'],
  // Rotate all in compromise mode rotates 806 credentials through the OS keychain in a minute. The
  // Secret Service is one daemon for every host of the run: beside it, another spec's keychain
  // calls (an operator switch) waited past its timeout (ci54), and the test daemon has crashed under
  // that churn (ci44, ci49). So the credentials spec runs last, on its own. It is skipped when an
  // earlier spec failed (Playwright's dependency rule): that run fails anyway, naming the first.
  projects: [
    { name: 'specs', testIgnore: haveChromium ? [KEYCHAIN_HEAVY] : ['**/*.spec.ts'] },
    { name: 'keychain-heavy', testMatch: KEYCHAIN_HEAVY, testIgnore: haveChromium ? [] : ['**/*.spec.ts'], dependencies: ['specs'] },
  ],
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
