import type { Command } from 'commander';
import {
  DEFAULT_RETENTION,
  configReference,
  describeConfig,
  parseDuration,
} from '../config/index.js';
import { GitlabAuthError } from '../errors.js';
import { createBot, type Bot } from '../main.js';
import type { CycleReport } from '../pipeline/cycle.js';
import { schedule, scheduleRetention } from '../pipeline/scheduler.js';
import type { FastifyInstance } from 'fastify';
import { createMetrics } from '../metrics/metrics.js';
import { exposedDashboardError, isLoopbackHost } from '../web/access.js';
import { dashboardAccess } from '../web/access-config.js';
import { createWebServer } from '../web/server.js';
import { configOrExit, type CommonOptions } from './config-or-exit.js';
import { CliExit } from './exit.js';
import { collect } from './load-patterns.js';

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
  ).action(async (options: CommonOptions) => {
    const config = configOrExit(options);
    const bot = createBot(config, {
      metrics: createMetrics({ requestTimeoutMs: config.requestTimeoutMs }),
    });
    bot.logger.info({ config: describeConfig(bot.config) }, 'starting');
    // Bound beyond loopback without a token, the bot still serves /healthz
    // and /readyz (the container's health check needs them) but keeps the
    // dashboard and /metrics closed, and says which setting opens them.
    const access = dashboardAccess(bot.config, bot.gitlab);
    const exposed =
      !isLoopbackHost(bot.config.http.host) && !bot.config.adminToken && !access.signIn;
    if (exposed) {
      bot.logger.warn(
        { setting: 'DIAGNOSER_ADMIN_TOKEN' },
        exposedDashboardError(bot.config.http.host).message.replace('would be', 'are not'),
      );
    }
    const web: FastifyInstance = createWebServer({
      store: bot.store,
      logger: bot.logger,
      now: () => new Date(),
      maxCycleAgeMs: 15 * 60_000,
      host: bot.config.http.host,
      metrics: bot.metrics,
      gitlabUrl: bot.config.gitlabUrl,
      dashboard: !exposed,
      ...(bot.webhooks && bot.config.webhookSecret
        ? { webhooks: { secret: bot.config.webhookSecret, receive: bot.webhooks.receive } }
        : {}),
      ...(bot.config.adminToken ? { adminToken: bot.config.adminToken } : {}),
      ...access,
    });
    const { host, port } = bot.config.http;
    await web.listen({ host, port });
    bot.logger.info({ address: `http://${host}:${port}` }, 'listening');
    if (bot.webhooks) {
      bot.logger.info(
        { path: '/webhooks/gitlab', schedule: bot.config.schedule },
        'webhooks on; the poll runs on the schedule as the safety net',
      );
    }
    // Signals are handled from the start: `docker stop` during the first cycle
    // must still close the database cleanly.
    let stopSchedule: (() => Promise<void>) | undefined;
    let stopping = false;
    const stopped = new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        stopping = true;
        bot.logger.info({ signal }, 'stopping');
        void (stopSchedule?.() ?? Promise.resolve()).then(() => web.close()).finally(resolve);
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
    await runAndLog(bot);
    if (!stopping) {
      const stopPolling = schedule(bot.config.schedule, bot.poller.runCycle, bot.logger);
      const retentionMs = parseDuration(bot.config.retention ?? DEFAULT_RETENTION);
      const stopRetention = scheduleRetention(
        () => bot.store.retention.pruneIncidents(new Date(Date.now() - retentionMs)),
        bot.logger,
      );
      stopSchedule = async () => {
        await stopPolling();
        await stopRetention();
      };
    }
    await stopped;
    // A cycle may still be finishing its last request; it cannot overlap the next one.
    await bot.webhooks?.idle();
    await bot.poller.idle();
    bot.close();
  });

  withCommonOptions(
    program.command('once').description('run one poll cycle, print what it did, and exit'),
  ).action(async (options: CommonOptions) => {
    const bot = createBot(configOrExit(options));
    try {
      const report = await bot.poller.runCycle();
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

async function runAndLog(bot: Bot) {
  try {
    const report = await bot.poller.runCycle();
    bot.logger.info(
      { newJobs: report.newJobs, diagnosed: report.outcomes.length, discovery: report.discovery },
      'first cycle finished',
    );
  } catch (error) {
    if (error instanceof GitlabAuthError) throw new CliExit(2, error.message);
    throw error;
  }
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
  if (report.deferred) lines.push(`${report.deferred} job(s) will be retried in a later cycle.`);
  if (report.failed) {
    lines.push(`${report.failed} job(s) could not be diagnosed and were given up.`);
  }
  for (const p of report.problems) lines.push(`problem: ${p.where}: ${p.message}`);
  return `${lines.join('\n')}\n`;
}
