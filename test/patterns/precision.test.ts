import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLibrary } from '../../src/patterns/load.js';
import {
  checkPrecision,
  readCorpus,
  readRealFixtureCounts,
  readRealLogs,
} from '../../src/patterns/precision.js';
import { knownMisses } from './real-log-index.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const library = loadLibrary();
const realIndex = join(fixtures, 'real-logs/INDEX.tsv');
const corpus = [...readCorpus(join(fixtures, 'precision')), ...readRealLogs(realIndex)];
const report = checkPrecision(library, corpus, readRealFixtureCounts(realIndex));
// Real logs the library is known to get wrong are listed (and checked) in real-logs.test.ts.
const unknownMiss = ({ file }: { file: string }) =>
  !knownMisses.has(file.replace(/^real-logs\//, ''));

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
    expect(
      report.falsePositives.filter((f) => f.where === 'wrong-winner').filter(unknownMiss),
    ).toEqual([]);
    expect(report.misses.filter(unknownMiss)).toEqual([]);
  });

  it('leaves real logs that expect a pattern the library lacks unjudged', () => {
    const ids = new Set(library.patterns.map((p) => p.id));
    const waiting = corpus.filter(
      (log) =>
        log.kind === 'failure' &&
        (log.expected ?? '')
          .split('|')
          .every((id) => id.toUpperCase() !== 'NONE' && !ids.has(id)),
    );

    expect(report.pending.map((p) => p.file)).toEqual(waiting.map((log) => log.file));
    for (const log of report.pending) {
      expect(log.expected.split('|').filter((id) => ids.has(id) || id === 'NONE')).toEqual([]);
    }
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

describe('a corpus of generated and hand-added logs', () => {
  it('reads success/ and failure/ of the corpus folder and of each subfolder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    try {
      mkdirSync(join(dir, 'generated/success'), { recursive: true });
      mkdirSync(join(dir, 'real/failure/disk-full'), { recursive: true });
      writeFileSync(join(dir, 'generated/success/build.log'), 'Job succeeded\n');
      writeFileSync(join(dir, 'real/failure/disk-full/apt.log'), 'write (28: No space left on device)\n');

      const logs = readCorpus(dir).map((l) => [l.file, l.kind, l.expected]);

      expect(logs).toEqual([
        ['generated/success/build.log', 'success', undefined],
        ['real/failure/disk-full/apt.log', 'failure', 'disk-full'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the source of every real log added by hand', () => {
    const real = join(fixtures, 'precision/real');
    const listed = new Set(
      readFileSync(join(real, 'SOURCES.tsv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .filter((row) => /\thttps?:\/\/\S+/.test(row))
        .map((row) => row.split('\t')[0]),
    );
    const onDisk = readCorpus(real).map((l) => l.file);

    expect(onDisk.filter((file) => !listed.has(file))).toEqual([]);
  });
});
