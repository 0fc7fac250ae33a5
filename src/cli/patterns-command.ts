import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { runExamples } from '../patterns/examples.js';
import { builtinPatternDir } from '../patterns/pattern-files.js';
import {
  checkPrecision,
  readCorpus,
  readRealFixtureCounts,
  readRealLogs,
  type PrecisionReport,
} from '../patterns/precision.js';
import {
  AccuracyThresholds,
  belowThresholds,
  measureAccuracy,
  type AccuracyReport,
} from '../patterns/accuracy.js';
import { formatAccuracy } from './accuracy-report.js';
import { formatJudgements, readJudgementsOrExit } from './feedback-report.js';
import { collect, loadPatternsOrExit } from './load-patterns.js';
import { CliExit } from './exit.js';

export function registerPatternsCommand(program: Command): void {
  const patterns = program.command('patterns').description('list and test the pattern library');

  patterns
    .command('list')
    .description('list every pattern: id, category, priority, resolver and title')
    .option('--patterns <dir>', 'add a folder of patterns (repeatable; overrides by id)', collect)
    .option('--json', 'one JSON object per pattern and line')
    .action(async (options: { patterns?: string[]; json?: boolean }) => {
      const library = await loadPatternsOrExit(options.patterns);
      for (const p of library.patterns) {
        const row = { id: p.id, category: p.category, priority: p.priority, resolver: p.resolver };
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ ...row, title: p.title, file: p.file })}\n`
            : `${p.id.padEnd(28)} ${p.category.padEnd(12)} ${String(p.priority).padStart(4)}  ${p.resolver.padEnd(16)} ${p.title}\n`,
        );
      }
    });

  patterns
    .command('test')
    .description(
      "validate pattern files and run every embedded example against the whole library (built-in plus DIR, DIR's patterns overriding by id)",
    )
    .argument('[dir]', 'a folder of your own patterns')
    .option('--patterns <dir>', 'add another folder (repeatable)', collect)
    .action(async (dir: string | undefined, options: { patterns?: string[] }) => {
      const extra = [...(options.patterns ?? []), ...(dir ? [dir] : [])];
      const library = await loadPatternsOrExit(extra);
      const results = runExamples(library);
      const failures = results.filter((r) => !r.ok);
      for (const f of failures) {
        process.stdout.write(`FAIL ${f.file}: example "${f.example}": ${f.problem}\n`);
      }
      process.stdout.write(
        `${library.patterns.length} patterns, ${results.length} examples\n` +
          `${results.length - failures.length} passed, ${failures.length} failed\n`,
      );
      if (failures.length > 0) throw new CliExit(1);
    });

  patterns
    .command('check')
    .description(
      'measure precision: run every pattern over a corpus of job logs (success/**.log must match nothing; failure/<pattern-id>/**.log must be won by that pattern, failure/none/ only by script-failure) and over the negative examples, and report false positives per pattern',
    )
    .option(
      '--corpus <dir>',
      'the corpus folder (default: the test/fixtures/precision of this package)',
    )
    .option(
      '--real-logs <file>',
      'INDEX.tsv of real job logs (each must be won by its expected pattern; default: test/fixtures/real-logs/INDEX.tsv)',
    )
    .option(
      '--holdout <file>',
      'INDEX.tsv of the hold-out real logs, measured as a whole (default: test/fixtures/real-logs/holdout/INDEX.tsv)',
    )
    .option(
      '--thresholds <file>',
      'JSON file with the top-1 accuracy and false-positive limits to meet (default: test/fixtures/real-logs/thresholds.json)',
    )
    .option('--patterns <dir>', 'add a folder of patterns (repeatable; overrides by id)', collect)
    .option('--json', 'print the whole report as JSON')
    .option(
      '--feedback',
      "also print, per rule, the diagnoses in the bot's incident log and how many people judged wrong",
    )
    .option('--db <file>', 'the incident log for --feedback (or DIAGNOSER_DB)')
    .option(
      '--config <file>',
      'YAML configuration file naming the incident log (or DIAGNOSER_CONFIG)',
    )
    .action(
      async (options: {
        corpus?: string;
        realLogs?: string;
        holdout?: string;
        thresholds?: string;
        patterns?: string[];
        json?: boolean;
        feedback?: boolean;
        db?: string;
        config?: string;
      }) => {
        // Read first: a database that cannot be read stops the check before the slow part.
        const judged = options.feedback ? readJudgementsOrExit(options) : undefined;
        const library = await loadPatternsOrExit(options.patterns);
        const root = dirname(builtinPatternDir());
        const corpusDir = options.corpus ?? join(root, 'test/fixtures/precision');
        if (!existsSync(corpusDir)) {
          process.stderr.write(
            `No corpus at ${corpusDir}; only the negative examples are checked. Pass --corpus DIR.\n`,
          );
        }
        const realIndex = options.realLogs ?? join(root, 'test/fixtures/real-logs/INDEX.tsv');
        const report = checkPrecision(
          library,
          [...(existsSync(corpusDir) ? readCorpus(corpusDir) : []), ...readRealLogs(realIndex)],
          readRealFixtureCounts(realIndex),
        );
        const holdoutIndex =
          options.holdout ?? join(root, 'test/fixtures/real-logs/holdout/INDEX.tsv');
        const thresholds = readThresholdsOrExit(
          options.thresholds ?? join(root, 'test/fixtures/real-logs/thresholds.json'),
        );
        const dev = measureAccuracy(library, readRealLogs(realIndex));
        const holdout = measureAccuracy(library, readRealLogs(holdoutIndex));
        const below = [
          ...belowThresholds('dev', dev, thresholds),
          ...belowThresholds('holdout', holdout, thresholds),
        ];
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ ...report, accuracy: { dev, holdout: withoutFiles(holdout) }, below, ...(judged ? { feedback: judged } : {}) }, null, 2)}\n`
            : [
                formatPrecision(report),
                formatAccuracy('Real logs, development set', dev, { showFiles: true }),
                formatAccuracy('Real logs, hold-out set', holdout, { showFiles: false }),
                ...(judged ? [formatJudgements(judged.database, judged.rules, dev)] : []),
                ...below.map((line) => `BELOW THRESHOLD ${line}\n`),
              ].join('\n'),
        );
        if (report.falsePositives.length > 0 || report.misses.length > 0 || below.length > 0) {
          throw new CliExit(1);
        }
      },
    );
}

/** One row per pattern, then every false positive and miss with its line. */
export function formatPrecision(report: PrecisionReport): string {
  const header = `${'pattern'.padEnd(28)} ${'examples'.padStart(9)} ${'real'.padStart(5)} ${'corpus wins'.padStart(12)} ${'false pos.'.padStart(10)}`;
  const rows = report.patterns.map(
    (p) =>
      `${p.id.padEnd(28)} ${`${p.positives}+/${p.negatives}-`.padStart(9)} ${String(p.realFixtures).padStart(5)} ${`${p.wins}/${p.expectedWins}`.padStart(12)} ${String(p.falsePositives).padStart(10)}`,
  );
  const details = [
    ...report.falsePositives.map(
      (f) =>
        `FALSE POSITIVE ${f.pattern} (${f.where}) ${f.file}:${f.line}: ${f.text.slice(0, 160)}`,
    ),
    ...report.misses.map(
      (m) => `MISS ${m.file}: expected ${m.expected}, got ${m.got ?? 'nothing'}`,
    ),
  ];
  const { success, failure, negativeExamples } = report.counts;
  const waiting = report.pending.length
    ? ` (${report.pending.length} wait for patterns the library does not have)`
    : '';
  const summary = `${success} passing-job logs, ${failure} failure logs (real ones included${waiting}), ${negativeExamples} negative examples: ${report.falsePositives.length} false positives, ${report.misses.length} misses`;
  return `${[header, ...rows, '', ...details, ...(details.length ? [''] : []), summary].join('\n')}\n`;
}

/** The hold-out set is reported as a whole: no file names leave it. */
function withoutFiles(report: AccuracyReport) {
  const { results, confusion, pending, successFalsePositives, ...figures } = report;
  return {
    ...figures,
    pending: pending.length,
    successFalsePositives: successFalsePositives.length,
    confusion: confusion.map((c) => ({ expected: c.expected, got: c.got, count: c.count })),
    judged: results.length,
  };
}

function readThresholdsOrExit(file: string): AccuracyThresholds {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    process.stderr.write(`Cannot read the thresholds file ${file}. Pass --thresholds FILE.\n`);
    throw new CliExit(2);
  }
  const parsed = AccuracyThresholds.safeParse(safeJson(text));
  if (!parsed.success) {
    process.stderr.write(
      `${file} is not a valid thresholds file: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}\n`,
    );
    throw new CliExit(2);
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
