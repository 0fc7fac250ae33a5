/**
 * How often each pattern fires where it should not. A corpus of job logs is
 * classified with the whole library:
 *
 * - `success/**.log`: jobs that passed. Any pattern that matches is a false
 *   positive: nothing failed.
 * - `failure/<pattern-id>/**.log` (or `failure/none/` for failures no pattern
 *   knows): jobs that failed for a known reason. A pattern that *wins* where
 *   another cause is known is a false positive; `script-failure`, the
 *   fallback, may win `none` logs. Lower-priority patterns that also match
 *   are not counted: the winner is what people see.
 * - each pattern's negative examples, run against that pattern alone.
 *
 * Reading the corpus is the only I/O; `checkPrecision` is pure.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { classify } from './classify.js';
import { buildLibrary } from './compile.js';
import { classifyPasted } from './paste.js';
import type { Pattern, PatternLibrary } from './library.js';

export { FALLBACK_PATTERN } from './rank.js';
import { FALLBACK_PATTERN } from './rank.js';

export interface CorpusLog {
  /** Shown in reports, relative to the corpus folder. */
  file: string;
  kind: 'success' | 'failure';
  /** For failures: the pattern that must win (`a|b`: either), or `none` (only the fallback, or nothing). */
  expected?: string;
  text: string;
}

export interface FalsePositive {
  pattern: string;
  file: string;
  line: number;
  text: string;
  /** On a passing job, winning over the known cause, or on the pattern's own negative example. */
  where: 'success' | 'wrong-winner' | 'negative-example';
}

export interface PatternPrecision {
  id: string;
  positives: number;
  negatives: number;
  /** Real job logs (test/fixtures/real-logs) that this pattern must win. */
  realFixtures: number;
  /** Corpus failure logs this pattern must win, and how many it did. */
  expectedWins: number;
  wins: number;
  falsePositives: number;
}

export interface PrecisionReport {
  patterns: PatternPrecision[];
  counts: { success: number; failure: number; negativeExamples: number };
  falsePositives: FalsePositive[];
  /** Failure logs whose expected pattern did not win (a recall problem, reported apart). */
  misses: { file: string; expected: string; got: string | null }[];
  /** Failure logs that expect only patterns this library does not have (yet): not judged. */
  pending: { file: string; expected: string }[];
}

export function checkPrecision(
  library: PatternLibrary,
  corpus: readonly CorpusLog[],
  realFixtures: ReadonlyMap<string, number> = new Map(),
): PrecisionReport {
  const falsePositives: FalsePositive[] = [];
  const misses: PrecisionReport['misses'] = [];
  const pending: PrecisionReport['pending'] = [];
  const known = new Set(library.patterns.map((p) => p.id));
  const wins = new Map<string, number>();
  const expectedWins = new Map<string, number>();

  for (const log of corpus) {
    // Real logs are pastes from threads: read them as `classify` would.
    const { diagnosis, matches } = classifyPasted(log.text, library);
    if (log.kind === 'success') {
      for (const m of matches) {
        falsePositives.push({ pattern: m.pattern, file: log.file, line: m.line, text: m.text, where: 'success' });
      }
      continue;
    }
    const expected = log.expected ?? 'none';
    // `a|b`: either may win (real logs where two readings are fair).
    const listed = expected.split('|').map((e) => (e === 'NONE' ? 'none' : e));
    const nothingOk = listed.includes('none');
    const allowed = listed.map((e) => (e === 'none' ? FALLBACK_PATTERN : e));
    // A real log may name a failure class the library has no pattern for yet:
    // no winner can be right or wrong there, so it waits instead of missing.
    if (!nothingOk && !allowed.some((e) => known.has(e))) {
      pending.push({ file: log.file, expected });
      continue;
    }
    const owner = allowed[0] as string;
    expectedWins.set(owner, (expectedWins.get(owner) ?? 0) + 1);
    const winner = diagnosis?.pattern ?? null;
    if ((winner && allowed.includes(winner)) || (!winner && nothingOk)) {
      wins.set(owner, (wins.get(owner) ?? 0) + 1);
      continue;
    }
    if (winner && diagnosis) {
      falsePositives.push({
        pattern: winner,
        file: log.file,
        line: diagnosis.line,
        text: diagnosis.text,
        where: 'wrong-winner',
      });
    }
    if (expected !== 'none' || winner) misses.push({ file: log.file, expected, got: winner });
  }

  let negativeExamples = 0;
  for (const pattern of library.patterns) {
    const alone = buildLibrary([pattern]);
    for (const example of pattern.examples.filter((e) => !e.expect.match)) {
      negativeExamples += 1;
      const { diagnosis } = classify(example.log, alone);
      if (diagnosis) {
        falsePositives.push({
          pattern: pattern.id,
          file: `${pattern.file} › ${example.name}`,
          line: diagnosis.line,
          text: diagnosis.text,
          where: 'negative-example',
        });
      }
    }
  }

  const patterns = library.patterns.map((p: Pattern) => ({
    id: p.id,
    positives: p.examples.filter((e) => e.expect.match).length,
    negatives: p.examples.filter((e) => !e.expect.match).length,
    realFixtures: realFixtures.get(p.id) ?? 0,
    expectedWins: expectedWins.get(p.id) ?? 0,
    wins: wins.get(p.id) ?? 0,
    falsePositives: falsePositives.filter((f) => f.pattern === p.id).length,
  }));
  return {
    patterns,
    counts: {
      success: corpus.filter((l) => l.kind === 'success').length,
      failure: corpus.filter((l) => l.kind === 'failure').length,
      negativeExamples,
    },
    falsePositives,
    misses,
    pending,
  };
}

/**
 * Reads `success/**.log` and `failure/<id>/**.log` below `dir` and below each
 * of its subfolders that has them (the generated logs and the real ones
 * added by hand each keep their own folder).
 */
export function readCorpus(dir: string): CorpusLog[] {
  const roots = [dir, ...subfolders(dir).map((name) => join(dir, name))].filter(
    (root) => existsSync(join(root, 'success')) || existsSync(join(root, 'failure')),
  );
  return roots.flatMap((root) =>
    readCorpusRoot(root).map((log) => ({ ...log, file: relative(dir, join(root, log.file)) })),
  );
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'success' && entry.name !== 'failure')
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

function readCorpusRoot(dir: string): CorpusLog[] {
  const logs: CorpusLog[] = [];
  const walk = (folder: string, visit: (file: string) => void) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, visit);
      else if (entry.name.endsWith('.log')) visit(path);
    }
  };
  walk(join(dir, 'success'), (file) =>
    logs.push({ file: relative(dir, file), kind: 'success', text: readFileSync(file, 'utf8') }),
  );
  const failures = join(dir, 'failure');
  let expectations: string[] = [];
  try {
    expectations = readdirSync(failures).filter((name) => statSync(join(failures, name)).isDirectory());
  } catch {
    expectations = [];
  }
  for (const expected of expectations.sort()) {
    walk(join(failures, expected), (file) =>
      logs.push({
        file: relative(dir, file),
        kind: 'failure',
        expected,
        text: readFileSync(file, 'utf8'),
      }),
    );
  }
  return logs;
}

/**
 * Real job logs listed in an `INDEX.tsv` (file, source, executor, expected
 * pattern, ...), as failure logs: `a|b` accepts either, `NONE` only the
 * fallback or nothing.
 */
export function readRealLogs(indexFile: string): CorpusLog[] {
  let text: string;
  try {
    text = readFileSync(indexFile, 'utf8');
  } catch {
    return [];
  }
  const dir = dirname(indexFile);
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => row.split('\t'))
    .map(([file = '', , , expected = '']) => ({
      file: `real-logs/${file}`,
      kind: 'failure' as const,
      expected,
      text: readFileSync(join(dir, file), 'utf8'),
    }));
}

/**
 * How many real logs expect each pattern, from an `INDEX.tsv` whose fourth
 * column is the expected pattern (`a|b` counts for both; `NONE` for none).
 */
export function readRealFixtureCounts(indexFile: string): Map<string, number> {
  const counts = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync(indexFile, 'utf8');
  } catch {
    return counts;
  }
  for (const row of text.trim().split('\n').slice(1)) {
    const expected = row.split('\t')[3] ?? '';
    for (const id of expected.split('|')) {
      if (id && id !== 'NONE') counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}
