import { defineConfig } from 'vitest/config';

// One seed per run for test data (test/support/seed.ts); workers inherit it, the summary prints it on a
// failure, and `TEST_SEED=N npm test -- <file>` replays it.
process.env.TEST_SEED ??= String(Math.floor(Math.random() * 1_000_000));

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
