import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLibrary } from '../../src/patterns/load.js';
import {
  checkPrecision,
  readCorpus,
  readRealFixtureCounts,
  readRealLogs,
} from '../../src/patterns/precision.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const library = loadLibrary();
const realIndex = join(fixtures, 'real-logs/INDEX.tsv');
const corpus = [...readCorpus(join(fixtures, 'precision')), ...readRealLogs(realIndex)];
const report = checkPrecision(library, corpus, readRealFixtureCounts(realIndex));

describe('pattern precision over the corpus', () => {
  it('reads passing jobs, failures of known causes, and every negative example', () => {
    expect(report.counts.success).toBeGreaterThanOrEqual(20);
    expect(report.counts.failure).toBeGreaterThanOrEqual(35);
    expect(report.counts.negativeExamples).toBe(
      library.patterns.reduce((n, p) => n + p.examples.filter((e) => !e.expect.match).length, 0),
    );
  });

  it('no pattern fires on the log of a job that passed', () => {
    expect(report.falsePositives.filter((f) => f.where === 'success')).toEqual([]);
  });

  it('no pattern wins a failure whose cause is another', () => {
    expect(report.falsePositives.filter((f) => f.where === 'wrong-winner')).toEqual([]);
    expect(report.misses).toEqual([]);
  });

  it('no pattern matches its own negative examples', () => {
    expect(report.falsePositives.filter((f) => f.where === 'negative-example')).toEqual([]);
  });

  it('reports every pattern', () => {
    expect(report.patterns.map((p) => p.id).sort()).toEqual(
      library.patterns.map((p) => p.id).sort(),
    );
  });
});
