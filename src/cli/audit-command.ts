import type { Command } from 'commander';
import { refreshAudit } from '../audit/refresh.js';
import { createBot } from '../main.js';
import { withCommonOptions } from './bot-commands.js';
import { configOrExit, type CommonOptions } from './config-or-exit.js';
import { CliExit } from './exit.js';
import { openFixIssues } from '../audit/fix-issues.js';
import { auditToCsv, auditToJson, formatAuditReport, formatIssueOutcomes } from './audit-report.js';
import { collect } from './load-patterns.js';

interface AuditOptions extends CommonOptions {
  json?: boolean;
  csv?: boolean;
  all?: boolean;
  project?: string[];
  group?: string[];
  openIssues?: boolean;
}

/** `pipeline-diagnoser audit`: what breaks when the job token allowlist is enforced. */
export function registerAuditCommand(program: Command): void {
  withCommonOptions(
    program
      .command('audit')
      .description(
        'job token readiness: what each watched project’s CI reaches in other projects, whether their allowlists let it in now and once enforced (18.0), and the entries to add',
      )
      .option('--json', 'print the report as JSON')
      .option('--csv', 'print the findings as CSV')
      .option('--all', 'list allowed pairs too (the table shows what breaks by default)')
      .option(
        '--project <path>',
        'audit this project instead of the watched ones (repeatable)',
        collect,
      )
      .option('--group <path>', 'audit the projects of this group (repeatable)', collect)
      .option(
        '--open-issues',
        'open one issue in each target project listing the entries to add; a Maintainer there accepts it with a 👍 (`run` then adds exactly those entries)',
      ),
  ).action(async (options: AuditOptions) => {
    if (options.json && options.csv) throw new CliExit(2, 'Choose one of --json and --csv.');
    const bot = createBot(configOrExit(options));
    try {
      const chosen = (options.project?.length ?? 0) + (options.group?.length ?? 0) > 0;
      const report = await refreshAudit(bot, {
        ...(chosen
          ? { watch: { projects: options.project ?? [], groups: options.group ?? [] } }
          : {}),
      });
      const issues = options.openIssues ? await openFixIssues(bot, report) : undefined;
      const withIssues = issues
        ? { ...report, problems: [...report.problems, ...issues.problems] }
        : report;
      process.stdout.write(
        options.json
          ? auditToJson(withIssues, issues?.outcomes)
          : options.csv
            ? auditToCsv(withIssues)
            : formatAuditReport(withIssues, { all: options.all === true }) +
              (issues ? formatIssueOutcomes(issues.outcomes) : ''),
      );
      if (options.csv && issues) process.stderr.write(formatIssueOutcomes(issues.outcomes));
    } finally {
      bot.close();
    }
  });
}
