import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first (seconds measured on 2 cores). They start before
 * everything else so that they run alongside the many short files instead of after them: the
 * Dockerfile test spends minutes compiling better-sqlite3 and re2 in a child `npm ci`, and on
 * a clean clone vitest has no timings yet and orders files by size alone.
 */
export const LONGEST_FIRST = [
  'test/docker/dockerfile.test.ts', // ~220
  'test/integration/crash.test.ts', // ~30
  'test/integration/faults-discussions.test.ts', // ~20
  'test/integration/faults.test.ts', // ~20
  'test/integration/faults-reverts.test.ts', // ~20
  'test/integration/faults-webhooks.test.ts', // ~12
  'test/cli/run-process.test.ts', // ~12
  'test/integration/faults-hooks.test.ts', // ~10
  'test/integration/faults-audit.test.ts', // ~10
  'test/integration/faults-lookups.test.ts', // ~8
  'test/cli/incidents-command.test.ts', // ~10
];

function rank(spec: TestSpecification): number {
  const path = spec.moduleId.replaceAll('\\', '/');
  const index = LONGEST_FIRST.findIndex((file) => path.endsWith(`/${file}`));
  return index === -1 ? LONGEST_FIRST.length : index;
}

/** Vitest's order (failed first, then slowest, then largest), with LONGEST_FIRST in front. */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: the other files keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
