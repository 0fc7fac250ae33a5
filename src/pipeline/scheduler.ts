import cron from 'node-cron';
import type { Logger } from '../log.js';
import type { CycleReport } from './cycle.js';

/**
 * Runs a cycle on the cron schedule; node-cron's noOverlap skips a tick
 * while the previous cycle still runs. Returns a stop function.
 */
export function schedule(
  expression: string,
  runCycle: () => Promise<CycleReport>,
  logger: Logger,
): () => Promise<void> {
  const task = cron.schedule(
    expression,
    async () => {
      try {
        const report = await runCycle();
        logger.info(
          {
            projects: report.projects,
            newJobs: report.newJobs,
            diagnosed: report.outcomes.length,
            deferred: report.deferred,
            skipped: report.skipped,
            problems: report.problems.length,
          },
          'cycle finished',
        );
      } catch (error) {
        logger.error({ err: error }, 'cycle failed');
      }
    },
    { noOverlap: true, name: 'poll' },
  );
  return async () => {
    await task.stop();
  };
}

/**
 * Applies the retention setting once a day (04:17, away from the hour when
 * other jobs run): removes fixed and closed incidents older than it.
 */
export function scheduleRetention(
  prune: () => { incidents: number },
  logger: Logger,
): () => Promise<void> {
  const task = cron.schedule(
    '17 4 * * *',
    () => {
      try {
        const removed = prune();
        if (removed.incidents > 0) {
          logger.info({ incidents: removed.incidents }, 'old incidents removed (retention)');
        }
      } catch (error) {
        logger.error({ err: error }, 'retention failed');
      }
    },
    { noOverlap: true, name: 'retention' },
  );
  return async () => {
    await task.stop();
  };
}
