import type { Command } from 'commander';
import { configReference } from '../config/index.js';
import { createBot } from '../main.js';
import type { CycleReport } from '../pipeline/cycle.js';
import { configOrExit, type CommonOptions } from './config-or-exit.js';
import { CliExit } from './exit.js';
import { collect } from './load-patterns.js';
import { checkGitlab } from './preflight.js';
import { runBot } from './run-command.js';
import { storeFailure } from '../store/recover.js';

/** The settings, for `--help`: environment variable or YAML key, default, meaning. */
function settingsHelp(): string {
  const rows = configReference().map((entry) => {
    const name = entry.env ?? `${entry.setting} (YAML)`;
    const fallback = entry.default === undefined ? '' : ` [default: ${entry.default}]`;
    return `  ${name}\n      ${entry.description}${fallback}`;
  });
  return `\nSettings (environment, or the same keys in the YAML file):\n${rows.join('\n')}\n`;
}

/** Options every command that talks to GitLab takes. */
export function withCommonOptions(command: Command): Command {
  return command
    .addHelpText('after', settingsHelp)
    .option('--config <file>', 'YAML configuration file (or DIAGNOSER_CONFIG)')
    .option('--dry-run', 'read and diagnose, but write nothing to GitLab; log the writes instead')
    .option('--db <file>', 'SQLite incident log (or DIAGNOSER_DB; default ./data/diagnoser.db)')
    .option('--patterns <dir>', 'add a folder of patterns (repeatable; overrides by id)', collect);
}

export function registerBotCommands(program: Command): void {
  withCommonOptions(
    program
      .command('run')
      .description(
        'run the bot: poll GitLab on the schedule, diagnose failed jobs, comment the fixes',
      ),
  ).action(runBot);

  withCommonOptions(
    program.command('once').description('run one poll cycle, print what it did, and exit'),
  ).action(async (options: CommonOptions) => {
    const bot = createBot(configOrExit(options));
    try {
      await checkGitlab(bot.gitlab, bot.logger);
      const report = await bot.poller.runCycle().catch((error: unknown) => {
        throw storeFailure(error, bot.config.databasePath) ?? error;
      });
      process.stdout.write(formatReport(report));
      if (bot.config.dryRun && bot.skippedWrites.length > 0) {
        process.stdout.write(
          `dry-run: ${bot.skippedWrites.length} write(s) to GitLab skipped (see the log)\n`,
        );
      }
      if (report.problems.some((p) => p.where === 'GitLab')) throw new CliExit(1);
    } finally {
      bot.close();
    }
  });
}

export function formatReport(report: CycleReport): string {
  const how = report.discovery ? ` (discovery: ${report.discovery})` : '';
  const lines = [
    `Watched ${report.projects} project(s)${how}; ${report.newJobs} new failed job(s).`,
  ];
  for (const o of report.outcomes) {
    const what =
      o.status === 'unclassified'
        ? 'no known failure in its log'
        : o.status === 'skipped'
          ? 'skipped (allowed to fail)'
          : `${o.patternId} → ${o.verdict} (incident #${o.incidentId})${o.note ? `, note ${o.note.action}: ${o.note.url}` : ''}`;
    lines.push(`  job ${o.jobId}: ${what}`);
  }
  const judged = report.feedback;
  if (judged && (judged.recorded > 0 || judged.withdrawn > 0)) {
    lines.push(
      `Feedback: ${judged.recorded} judgement(s) that a diagnosis was wrong recorded, ${judged.withdrawn} withdrawn.`,
    );
  }
  if (report.deferred) lines.push(`${report.deferred} job(s) will be retried in a later cycle.`);
  if (report.failed) {
    lines.push(`${report.failed} job(s) could not be diagnosed and were given up.`);
  }
  for (const p of report.problems) lines.push(`problem: ${p.where}: ${p.message}`);
  return `${lines.join('\n')}\n`;
}
