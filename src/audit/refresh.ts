import cron from 'node-cron';
import type { AuditReport } from '../domain/audit.js';
import type { RunConfig } from '../config/index.js';
import type { GitlabPort } from '../gitlab/port.js';
import type { Logger } from '../log.js';
import type { WatchSettings } from '../pipeline/discover/watch-list.js';
import type { Store } from '../store/index.js';
import { acceptFixIssues } from './accept-issues.js';
import { openFixIssues } from './fix-issues.js';
import { runAudit } from './run-audit.js';

/** What the audit needs of the bot. */
export interface AuditBot {
  gitlab: GitlabPort;
  store: Store;
  logger: Logger;
  config: RunConfig;
  requestCount(): number;
}

/**
 * Runs the audit over the watched projects (or `watch`) and keeps the report for the
 * dashboard and /metrics.
 */
export async function refreshAudit(
  bot: AuditBot,
  options: { now?: () => Date; watch?: WatchSettings } = {},
): Promise<AuditReport> {
  const report = await runAudit({
    gitlab: bot.gitlab,
    watch: options.watch ?? bot.config.watch,
    now: options.now ?? (() => new Date()),
    requestCount: bot.requestCount,
    maxProjects: bot.config.audit.maxProjects,
  });
  bot.store.audit.saveAuditReport(report);
  const count = (state: string) => report.findings.filter((f) => f.state === state).length;
  bot.logger.info(
    {
      projects: report.projects,
      requests: report.requests,
      denied: count('denied'),
      deniedAtEnforcement: count('denied-at-enforcement'),
      problems: report.problems.length,
    },
    'job token audit finished',
  );
  return report;
}

/** One audit as `run` makes it: the report, then the issues when `audit.openIssues` is on. Never throws. */
export async function scheduledAudit(bot: AuditBot): Promise<void> {
  try {
    const report = await refreshAudit(bot);
    if (!bot.config.audit.openIssues) return;
    const { outcomes, problems } = await openFixIssues(bot, report);
    bot.logger.info(
      {
        opened: outcomes.filter((o) => o.status === 'opened').length,
        open: outcomes.filter((o) => o.status === 'open').length,
        declined: outcomes.filter((o) => o.status === 'declined').length,
        problems: problems.map((p) => `${p.where}: ${p.message}`),
      },
      'audit issues checked',
    );
  } catch (error) {
    bot.logger.error({ err: error }, 'job token audit failed');
  }
}

/** Acts on 👍 reactions to the audit's open issues. Never throws: the poll cycle goes on. */
export async function acceptAuditIssues(bot: AuditBot): Promise<void> {
  try {
    const report = await acceptFixIssues(bot);
    if (report.approvalsSeen > 0) bot.logger.info({ ...report }, 'audit issue approvals handled');
  } catch (error) {
    bot.logger.error({ err: error }, 'audit issue approvals failed');
  }
}

/**
 * Refreshes the audit on `expression` (the `audit.schedule` setting), and once at start when
 * there is no report yet. Returns a stop function that waits for a refresh under way.
 */
export function scheduleAudit(
  bot: AuditBot,
  expression: string = bot.config.audit.schedule,
): () => Promise<void> {
  if (expression === 'off') return async () => {};
  let running: Promise<void> | undefined;
  // One audit at a time: the one at start and a tick must not both open the same issues.
  const refresh = () => {
    running ??= scheduledAudit(bot).finally(() => {
      running = undefined;
    });
    return running;
  };
  if (bot.store.audit.latestAuditAt() === undefined) void refresh();
  const task = cron.schedule(expression, refresh, { name: 'audit' });
  return async () => {
    await task.stop();
    await running;
  };
}
