import { describe, expect, it } from 'vitest';
import { belowThresholds, measureAccuracy } from '../../src/patterns/accuracy.js';
import { loadLibrary } from '../../src/patterns/load.js';
import type { CorpusLog } from '../../src/patterns/precision.js';

const library = loadLibrary();
const failure = (file: string, expected: string, text: string): CorpusLog => ({
  file,
  kind: 'failure',
  expected,
  text,
});

const logs = [
  failure('disk.log', 'disk-full', 'write (28: No space left on device)\nERROR: Job failed: exit code 1\n'),
  failure('oom-as-disk.log', 'out-of-memory', 'write (28: No space left on device)\n'),
  failure('either.log', 'registry-pull-denied|image-not-found', 'manifest for registry.example.com/a/b:1 not found: manifest unknown: manifest unknown\n'),
  failure('unknown-class.log', 'flux-capacitor-failed', 'anything\n'),
  failure('passed.log', 'NONE', '$ make\nwrite (28: No space left on device)\nJob succeeded\n'),
  failure('test-failure.log', 'NONE', '$ make test\nERROR: Job failed: exit code 2\n'),
];
const report = measureAccuracy(library, logs);

describe('accuracy on real logs', () => {
  it('counts a log right when an accepted answer wins, and the fallback as no diagnosis', () => {
    expect(report.results.map((r) => [r.file, r.got, r.correct])).toEqual([
      ['disk.log', 'disk-full', true],
      ['oom-as-disk.log', 'disk-full', false],
      ['either.log', 'image-not-found', true],
      ['passed.log', 'disk-full', false],
      ['test-failure.log', 'script-failure', true],
    ]);
    expect(report.top1).toBeCloseTo(3 / 5);
  });

  it('leaves logs that expect only unknown patterns unjudged', () => {
    expect(report.pending).toEqual(['unknown-class.log']);
  });

  it('gives each pattern its precision (of what it won) and recall (of what expects it)', () => {
    const disk = report.patterns.find((p) => p.id === 'disk-full');
    const oom = report.patterns.find((p) => p.id === 'out-of-memory');

    expect(disk).toMatchObject({ won: 3, wonRight: 1, expected: 1, expectedRight: 1 });
    expect(disk?.precision).toBeCloseTo(1 / 3);
    expect(oom).toMatchObject({ won: 0, expected: 1, expectedRight: 0, recall: 0 });
    expect(oom?.precision).toBeUndefined();
  });

  it('lists what was confused with what', () => {
    expect(report.confusion).toEqual([
      { expected: 'NONE', got: 'disk-full', count: 1, files: ['passed.log'] },
      { expected: 'out-of-memory', got: 'disk-full', count: 1, files: ['oom-as-disk.log'] },
    ]);
  });

  it('counts a pattern that fires on a job that passed', () => {
    expect(report.successLogs).toBe(1);
    expect(report.successFalsePositives).toEqual([{ file: 'passed.log', pattern: 'disk-full', line: 2 }]);
  });

  it('says which threshold a set misses', () => {
    const thresholds = {
      dev: { minTop1: 0.5, maxSuccessFalsePositives: 1 },
      holdout: { minTop1: 0.95, maxSuccessFalsePositives: 0 },
    };

    expect(belowThresholds('dev', report, thresholds)).toEqual([]);
    expect(belowThresholds('holdout', report, thresholds)).toEqual([
      'holdout: top-1 accuracy 60.0% is under the threshold 95.0%',
      'holdout: 1 false positives on jobs that passed (at most 0 allowed)',
    ]);
  });
});
