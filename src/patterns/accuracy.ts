/**
 * How well the library names the cause of real job logs: top-1 accuracy,
 * per-pattern precision and recall, what gets confused with what, and how
 * often a pattern fires on a job that passed. Pure: the caller reads the
 * logs (see `readRealLogs`) and the thresholds.
 */
import { z } from 'zod';
import type { PatternLibrary } from './library.js';
import { classifyPasted } from './paste.js';
import { FALLBACK_PATTERN, type CorpusLog } from './precision.js';

/** What a log that no pattern should claim is called in reports. */
export const NO_DIAGNOSIS = 'NONE';

export interface PatternScore {
  id: string;
  /** Logs this pattern won. */
  won: number;
  /** Of those, the ones where it was an accepted answer. */
  wonRight: number;
  /** Logs that accept this pattern. */
  expected: number;
  /** Of those, the ones an accepted answer won. */
  expectedRight: number;
  /** wonRight / won (undefined when it won nothing). */
  precision?: number;
  /** expectedRight / expected (undefined when no log expects it). */
  recall?: number;
}

export interface AccuracyReport {
  logs: number;
  correct: number;
  top1: number;
  /** Logs judged unknown: they expect only patterns the library does not have. */
  pending: string[];
  /** Jobs that passed (the log says "Job succeeded") on which some pattern won. */
  successFalsePositives: { file: string; pattern: string; line: number }[];
  successLogs: number;
  patterns: PatternScore[];
  /** expected (first accepted answer) → winner → count, wrong answers only. */
  confusion: { expected: string; got: string; count: number; files: string[] }[];
  /** Per log: what was expected and what won. */
  results: { file: string; expected: string; got: string; correct: boolean }[];
}

const JOB_SUCCEEDED = /^Job succeeded\s*$/m;

/** The answers a log's index accepts (`a|b`), with `NONE` standing for "no diagnosis". */
function accepted(expected: string | undefined): string[] {
  return (expected ?? NO_DIAGNOSIS)
    .split('|')
    .map((e) => e.trim())
    .map((e) => (e === 'none' ? NO_DIAGNOSIS : e))
    .filter((e) => e !== '');
}

export function measureAccuracy(
  library: PatternLibrary,
  logs: readonly CorpusLog[],
): AccuracyReport {
  const known = new Set(library.patterns.map((p) => p.id));
  const pending: string[] = [];
  const results: AccuracyReport['results'] = [];
  const successFalsePositives: AccuracyReport['successFalsePositives'] = [];
  let successLogs = 0;

  for (const log of logs) {
    const answers = accepted(log.expected);
    if (!answers.some((a) => a === NO_DIAGNOSIS || known.has(a))) {
      pending.push(log.file);
      continue;
    }
    const { diagnosis } = classifyPasted(log.text, library);
    const got = diagnosis?.pattern ?? NO_DIAGNOSIS;
    // The fallback only repeats the runner's exit code: it is no diagnosis.
    const correct =
      answers.includes(got) || (answers.includes(NO_DIAGNOSIS) && got === FALLBACK_PATTERN);
    results.push({ file: log.file, expected: answers.join('|'), got, correct });
    if (JOB_SUCCEEDED.test(log.text)) {
      successLogs += 1;
      if (diagnosis) {
        successFalsePositives.push({ file: log.file, pattern: got, line: diagnosis.line });
      }
    }
  }

  const patterns = library.patterns.map((p) => score(p.id, results));
  const confusion = confusions(results);
  const correct = results.filter((r) => r.correct).length;
  return {
    logs: results.length,
    correct,
    top1: results.length === 0 ? 0 : correct / results.length,
    pending,
    successFalsePositives,
    successLogs,
    patterns,
    confusion,
    results,
  };
}

function score(id: string, results: AccuracyReport['results']): PatternScore {
  const won = results.filter((r) => r.got === id);
  const expected = results.filter((r) => r.expected.split('|').includes(id));
  const wonRight = won.filter((r) => r.correct).length;
  const expectedRight = expected.filter((r) => r.correct).length;
  return {
    id,
    won: won.length,
    wonRight,
    expected: expected.length,
    expectedRight,
    ...(won.length > 0 ? { precision: wonRight / won.length } : {}),
    ...(expected.length > 0 ? { recall: expectedRight / expected.length } : {}),
  };
}

function confusions(results: AccuracyReport['results']): AccuracyReport['confusion'] {
  const cells = new Map<string, AccuracyReport['confusion'][number]>();
  for (const r of results.filter((x) => !x.correct)) {
    const expected = r.expected.split('|')[0] ?? NO_DIAGNOSIS;
    const key = `${expected}\t${r.got}`;
    const cell = cells.get(key) ?? { expected, got: r.got, count: 0, files: [] };
    cell.count += 1;
    cell.files.push(r.file);
    cells.set(key, cell);
  }
  return [...cells.values()].sort(
    (a, b) => b.count - a.count || a.expected.localeCompare(b.expected),
  );
}

/** The figures `patterns check` must reach, kept in the repository. */
export const AccuracyThresholds = z
  .object({
    dev: z
      .object({
        minTop1: z.number().min(0).max(1),
        maxSuccessFalsePositives: z.number().int().min(0),
      })
      .strict(),
    holdout: z
      .object({
        minTop1: z.number().min(0).max(1),
        maxSuccessFalsePositives: z.number().int().min(0),
      })
      .strict(),
  })
  .strict();
export type AccuracyThresholds = z.infer<typeof AccuracyThresholds>;

/** Sentences saying which threshold a set misses; empty when it reaches them all. */
export function belowThresholds(
  set: 'dev' | 'holdout',
  report: AccuracyReport,
  thresholds: AccuracyThresholds,
): string[] {
  const want = thresholds[set];
  const problems: string[] = [];
  if (report.logs > 0 && report.top1 < want.minTop1) {
    problems.push(
      `${set}: top-1 accuracy ${percent(report.top1)} is under the threshold ${percent(want.minTop1)}`,
    );
  }
  if (report.successFalsePositives.length > want.maxSuccessFalsePositives) {
    problems.push(
      `${set}: ${report.successFalsePositives.length} false positives on jobs that passed (at most ${want.maxSuccessFalsePositives} allowed)`,
    );
  }
  return problems;
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
