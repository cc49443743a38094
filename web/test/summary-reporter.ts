import type { Reporter, TestModule } from 'vitest/node';

/** Prints "N passed, N failed, N skipped" at the end, the line scripts/test.sh adds up. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>) {
    let passed = 0, failed = 0, skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    if (errors.length > 0) failed += errors.length;
    console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
