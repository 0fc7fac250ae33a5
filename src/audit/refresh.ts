import type { AuditReport } from '../domain/audit.js';
import type { RunConfig } from '../config/index.js';
import type { GitlabPort } from '../gitlab/port.js';
import type { Logger } from '../log.js';
import type { WatchSettings } from '../pipeline/discover/watch-list.js';
import type { Store } from '../store/index.js';
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
