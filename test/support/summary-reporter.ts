import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends every run with one plain line, `Tests: N passed, N failed, N skipped`, for CI logs; after a failure
 * it first prints the run's test data seed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A file that failed with no failed test (an import error, a beforeAll that threw or timed out and
      // skipped every test) is one failure, not a clean run of skipped tests.
      failed += module.state() === 'failed' && failedHere === 0 ? 1 : failedHere;
    }
    if (failed > 0) {
      const seed = process.env.TEST_SEED;
      process.stdout.write(`\nTest data seed: ${seed} (replay with TEST_SEED=${seed} npm test -- <file>)\n`);
    }
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
