import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { CycleReport } from './cycle.js';

/** What the process knows about its own cycles, for /healthz and /readyz. */
export interface HealthState {
  /** When the tracker started (the process, in `run`): the baseline before any cycle finished. */
  startedAt: number;
  lastFinishedAt?: number;
  /** Cycles that threw, in a row; 0 after one finishes. */
  failuresInARow: number;
  lastFailure?: { at: number; message: string };
}

export interface CycleHealthOptions {
  runCycle: () => Promise<CycleReport>;
  logger: Logger;
  now: () => number;
  /** The user's words for a failure (a store error names the file and the fix). */
  describe?: (error: unknown) => string;
  /** Called after a failure, to cure what can be cured before the next cycle. */
  recover?: (error: unknown) => void;
}

/**
 * Runs the cycles of `run`, the first as every other: a cycle that throws
 * (a store error, an answer the bot cannot read) is logged with its cause
 * and remembered, and the schedule goes on, so the process reports what it
 * does instead of sitting up and silent.
 */
export function createCycleHealth(options: CycleHealthOptions) {
  const { logger, now } = options;
  const state: HealthState = { startedAt: now(), failuresInARow: 0 };

  async function run(): Promise<CycleReport | undefined> {
    try {
      const report = await options.runCycle();
      if (!report.skipped) {
        state.lastFinishedAt = now();
        state.failuresInARow = 0;
      }
      logger.info(
        {
          projects: report.projects,
          newJobs: report.newJobs,
          diagnosed: report.outcomes.length,
          deferred: report.deferred,
          skipped: report.skipped,
          problems: report.problems.length,
          discovery: report.discovery,
        },
        'cycle finished',
      );
      return report;
    } catch (error) {
      state.failuresInARow += 1;
      const message = options.describe?.(error) ?? errorMessage(error);
      state.lastFailure = { at: now(), message };
      logger.error(
        { err: error, failuresInARow: state.failuresInARow, reason: message },
        `cycle failed: ${message}`,
      );
      try {
        options.recover?.(error);
      } catch (again) {
        logger.warn({ err: errorMessage(again) }, 'could not recover before the next cycle');
      }
      return undefined;
    }
  }

  return { run, state: (): Readonly<HealthState> => ({ ...state }) };
}

export type CycleHealth = ReturnType<typeof createCycleHealth>;

/** How often the cycle is due, and from it the bounds /readyz and /healthz keep. */
export interface HealthBounds {
  /** A finished cycle older than this makes /readyz fail. */
  maxCycleAgeMs: number;
  /** No cycle finished for this long (since start) makes /healthz fail: the process is stuck. */
  stuckAfterMs: number;
  /** Cycles failing in a row that make /readyz fail. */
  failuresForNotReady: number;
}

/**
 * Bounds from the schedule's longest gap between two runs: ready while the
 * last cycle is at most two periods (and a minute) old, stuck after five
 * periods (at least five minutes, so a long catch-up cycle is not a hang).
 */
export function healthBounds(periodMs: number): HealthBounds {
  return {
    maxCycleAgeMs: 2 * periodMs + 60_000,
    stuckAfterMs: Math.max(5 * periodMs, 5 * 60_000),
    failuresForNotReady: 2,
  };
}
