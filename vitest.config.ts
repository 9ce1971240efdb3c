import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-shared/**/*.test.ts', 'src-main/**/*.test.ts', 'src-renderer/**/*.test.ts', 'scripts/**/*.test.ts'],
    globalSetup: ['src-main/testing/global-setup.ts'],
    // Native modules (keychain) and child processes behave best in forked workers.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // App cores in tests run no demo gateway unless a test asks for one (demo-gateway.test.ts).
    env: { MC_LOG_LEVEL: 'silent', MC_DEMO_GATEWAY: '0' },
  },
});
