import type { Reporter, TestModule } from 'vitest/node';
import { BROWSER_MARK, browserSkipHint, hasChromium } from './web/chromium.js';

/**
 * Ends the run with one plain line, "tests: N passed, N failed, N skipped",
 * that tools outside vitest can read without knowing its format; when browser tests were
 * skipped for want of Chromium, a second line says so and how to get them.
 */
export class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let browserSkipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else {
          skipped += 1;
          if (test.fullName.includes(BROWSER_MARK)) browserSkipped += 1;
        }
      }
      // A file that failed to load has no tests but must count as a failure.
      if (module.state() === 'failed' && !module.children.allTests().next().value) failed += 1;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    if (browserSkipped > 0 && !hasChromium()) {
      process.stdout.write(`${browserSkipHint(browserSkipped)}\n`);
    }
  }
}
