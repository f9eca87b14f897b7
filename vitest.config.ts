import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: emulator-backed suites start their own servers on ephemeral ports.
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['test/setup.ts'],
    // Function logs (Powertools JSON) are shown for failing tests only.
    silent: 'passed-only',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
