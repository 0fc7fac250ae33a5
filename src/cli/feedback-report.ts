import { existsSync } from 'node:fs';
import { percent, type AccuracyReport } from '../patterns/accuracy.js';
import { openDatabase, type RuleJudgement } from '../store/index.js';
import { ratio } from './accuracy-report.js';
import { localConfigOrExit } from './config-or-exit.js';
import { CliExit } from './exit.js';

/** The rules' judgements read from the incident log (`--db`, DIAGNOSER_DB or the config file). */
export function readJudgementsOrExit(options: { config?: string; db?: string }): {
  database: string;
  rules: RuleJudgement[];
} {
  const database = localConfigOrExit(options).databasePath;
  // Reading must not leave an empty database behind where there was none.
  if (database !== ':memory:' && !existsSync(database)) {
    throw new CliExit(
      2,
      `No incident log at ${database}: pass --db FILE or set DIAGNOSER_DB to the bot's database.`,
    );
  }
  const store = openDatabase(database);
  try {
    return { database, rules: store.feedback.ruleJudgements() };
  } finally {
    store.close();
  }
}

/**
 * Per rule, what people judged of the bot's diagnoses (the dashboard's rules page) beside
 * the rule's precision on the development set of real logs, the rules that mislead most first.
 */
export function formatJudgements(
  database: string,
  rules: readonly RuleJudgement[],
  dev: AccuracyReport,
): string {
  const onRealLogs = new Map(dev.patterns.map((p) => [p.id, ratio(p.wonRight, p.won)]));
  const wrong = rules.reduce((n, r) => n + r.judgedWrong, 0);
  const incidents = rules.reduce((n, r) => n + r.diagnoses, 0);
  const lines = [
    `Judged by people (${database}): ${count(rules.length, 'rule')}, ${count(incidents, 'incident')} diagnosed, ${wrong} judged wrong`,
  ];
  if (rules.length > 0) {
    lines.push(
      `  ${'pattern'.padEnd(30)} ${'diagnoses'.padStart(9)} ${'judged wrong'.padStart(12)} ${'judgements'.padStart(10)} ${'precision (people)'.padStart(18)} ${'precision (real logs)'.padStart(21)}`,
      ...rules.map(
        (r) =>
          `  ${r.patternId.padEnd(30)} ${String(r.diagnoses).padStart(9)} ${String(r.judgedWrong).padStart(12)} ${String(r.judgements).padStart(10)} ${percent(r.precision).padStart(18)} ${(onRealLogs.get(r.patternId) ?? '-').padStart(21)}`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
