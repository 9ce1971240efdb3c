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
    env: { MC_LOG_LEVEL: 'silent' },
  },
});
