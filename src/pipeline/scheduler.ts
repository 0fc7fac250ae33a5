import cron from 'node-cron';
import type { Logger } from '../log.js';

/**
 * Runs `tick` on the cron schedule; node-cron's noOverlap skips a tick while
 * the previous one still runs. `tick` reports its own failures (see
 * health.ts). Returns a stop function.
 */
export function schedule(expression: string, tick: () => Promise<unknown>): () => Promise<void> {
  const task = cron.schedule(
    expression,
    async () => {
      await tick();
    },
    { noOverlap: true, name: 'poll' },
  );
  return async () => {
    await task.stop();
  };
}

/** The longest gap between two of the schedule's next runs, in milliseconds. */
export function schedulePeriodMs(expression: string, runs = 30): number {
  const task = cron.createTask(expression, () => undefined);
  try {
    const next = task.getNextRuns(runs).map((d) => d.getTime());
    let longest = 0;
    for (let i = 1; i < next.length; i++) {
      longest = Math.max(longest, (next[i] ?? 0) - (next[i - 1] ?? 0));
    }
    return longest || 60_000;
  } finally {
    void task.destroy();
  }
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
