import { GitlabAuthError, GitlabTransientError, errorMessage } from '../errors.js';
import type { Job } from '../gitlab/port.js';
import { LAST_CYCLE_KEY, isStoreFailure, type LastCycle } from '../store/index.js';
import type { PipelineDeps } from './deps.js';
import { createPollSource } from './discover/poll.js';
import type { DiscoveryMode, DiscoverySetting } from './discover/mode.js';
import type { FeedbackReport } from './feedback/sync.js';
import type { WatchSettings } from './discover/watch-list.js';
import {
  DEFAULT_REVIEW,
  reviewIncidents,
  type ReviewReport,
  type ReviewSettings,
} from './lifecycle/review.js';
import { runNoteAnswers } from './note-answers.js';
import type { OneClickReport } from './one-click/types.js';
import { endsTheCycle, type Problem } from './pause.js';
import type { JobOutcome } from './process-job.js';
import { createHeldBackNotes } from './publish/held-back.js';
import { createWorker } from './worker.js';

export interface PollSettings {
  /** Full paths; both empty means every project the bot is a member of. */
  watch: WatchSettings;
  /** How far back the first look at a project goes. */
  lookbackMs: number;
  /** Jobs per page when listing one project's failures through REST. */
  perPage?: number;
  /** How failures are found; `auto` (default) picks the cheapest the instance allows. */
  discovery?: DiscoverySetting;
  /** In the instance mode, how often every watched project is swept as well. */
  sweepEveryMs?: number;
  /** Jobs diagnosed at most per cycle; the rest wait in the queue. */
  maxJobsPerCycle?: number;
  /** How long the list of watched projects is reused. */
  watchListTtlMs?: number;
  /** Attempts before a job that keeps failing to process is given up. */
  maxAttempts?: number;
  /** How long an offered fix waits for approval; older offers are no longer checked. */
  offerMaxAgeMs?: number;
  /**
   * How often the poll reads the 👎 and `wrong` replies on the bot's notes (every note of
   * the offer window costs requests; webhooks bring them at once).
   */
  feedbackEveryMs?: number;
  /**
   * The most cycles a project with no new failures is left out between polls
   * (0 polls every project every cycle).
   */
  maxQuietSkip?: number;
  /** How incidents are looked at again to move them through their lifecycle. */
  review?: Partial<ReviewSettings>;
}

export interface CycleReport {
  startedAt: string;
  finishedAt: string;
  skipped?: 'overlap';
  projects: number;
  /** Quiet projects left out of this cycle. */
  projectsSkipped?: number;
  /** How failures were found (see DiscoveryMode). */
  discovery?: DiscoveryMode;
  newJobs: number;
  outcomes: JobOutcome[];
  /** Jobs put back in the queue for a later cycle. */
  deferred: number;
  /** Jobs given up on. */
  failed: number;
  problems: Problem[];
  /** Approvals read and acted on (the one-click fix). */
  oneClick?: OneClickReport;
  /** 👎 and `wrong` replies on the bot's notes: judgements recorded and withdrawn. */
  feedback?: FeedbackReport;
  /** Incidents looked at again, and those that moved (closed, fixed by hand, error). */
  lifecycle?: ReviewReport;
}

/**
 * The cycle: the poll lists new failed jobs of every watched project into
 * the durable queue, the worker diagnoses what is due, then the approvals
 * on the bot's notes are read. A failure in one project or job never stops
 * the others; a GitLab failure puts that work back in the queue, and only
 * an unreachable GitLab ends the cycle early.
 */
export function createPoller(deps: PipelineDeps & { settings: PollSettings }) {
  const { logger, now } = deps;
  const settings = {
    perPage: 20,
    discovery: 'auto' as DiscoverySetting,
    sweepEveryMs: 10 * 60_000,
    maxJobsPerCycle: 200,
    watchListTtlMs: 10 * 60_000,
    maxAttempts: 8,
    offerMaxAgeMs: 14 * 24 * 60 * 60_000,
    feedbackEveryMs: 10 * 60_000,
    maxQuietSkip: 3,
    ...deps.settings,
  };
  const review: ReviewSettings = {
    closeAfterMs: 30 * 24 * 60 * 60_000,
    ...DEFAULT_REVIEW,
    ...deps.settings.review,
  };
  const worker = createWorker(deps, {
    maxJobsPerDrain: settings.maxJobsPerCycle,
    maxAttempts: settings.maxAttempts,
  });
  const source = createPollSource(deps, settings);
  const publishHeldBack = createHeldBackNotes(deps);
  let running = false;
  let reportedAuthProblem = '';
  /** When the poll last read the feedback (the process's first cycle always does). */
  let feedbackReadAt: number | undefined;

  async function runCycle(): Promise<CycleReport> {
    const report: CycleReport = {
      startedAt: now().toISOString(),
      finishedAt: '',
      projects: 0,
      projectsSkipped: 0,
      newJobs: 0,
      outcomes: [],
      deferred: 0,
      failed: 0,
      problems: [],
    };
    const finish = (): CycleReport => {
      const done = { ...report, finishedAt: now().toISOString() };
      if (!done.skipped) {
        const last: LastCycle = {
          at: done.finishedAt,
          gitlabOk: !done.problems.some((p) => p.where === 'GitLab'),
          newJobs: done.newJobs,
          diagnosed: done.outcomes.length,
          problems: done.problems.length,
        };
        deps.store.meta.setMeta(LAST_CYCLE_KEY, JSON.stringify(last));
      }
      return done;
    };
    // node-cron's own guard covers the scheduler; this one covers direct calls too.
    if (running) return { ...finish(), skipped: 'overlap' };
    running = true;
    /** A GitLab failure in one step: noted; the cycle goes on unless it ends it. */
    const outage = (error: unknown): boolean => {
      if (!(error instanceof GitlabTransientError)) throw error;
      report.problems.push({ where: 'GitLab', message: error.message });
      logger.warn({ err: error.message }, 'GitLab failed');
      return endsTheCycle(error);
    };
    /** A step after the drain: an outage ends the cycle; anything else is noted, and it goes on. */
    const step = async <T>(
      where: string,
      task: () => Promise<T>,
    ): Promise<{ ended: boolean; value?: T }> => {
      try {
        return { ended: false, value: await worker.exclusive(task) };
      } catch (error) {
        if (error instanceof GitlabTransientError) {
          outage(error);
          return { ended: true };
        }
        if (isStoreFailure(error)) throw error;
        report.problems.push({ where, message: errorMessage(error) });
        logger.warn({ err: errorMessage(error), step: where }, 'a step of the cycle failed');
        return { ended: false };
      }
    };
    try {
      const who = await worker.identity();
      const seen = new Map<number, Job>();
      const budget = { left: settings.maxJobsPerCycle };
      const drain = (projectId?: number) =>
        worker.drain(who, report, { seen, budget, ...(projectId ? { projectId } : {}) });
      try {
        if ((await source.poll(report, seen, drain)) === 'pause') return finish();
      } catch (error) {
        if (outage(error)) return finish();
      }
      // What earlier cycles left in the queue (retries after outages).
      if ((await drain()) === 'pause') return finish();
      const startedAt = now().getTime();
      const feedbackDue =
        feedbackReadAt === undefined || startedAt - feedbackReadAt >= settings.feedbackEveryMs;
      // One read of each bot note for fix approvals, retry approvals and feedback alike.
      const answers = await step('one-click fixes and feedback', () =>
        runNoteAnswers(deps, who.bot, { maxAgeMs: settings.offerMaxAgeMs, feedbackDue }),
      );
      if (answers.ended) return finish();
      if (answers.value) {
        report.oneClick = answers.value.oneClick;
        if (answers.value.feedback) report.feedback = answers.value.feedback;
        if (feedbackDue) feedbackReadAt = startedAt;
      }
      const lifecycle = await step('incident review', () => reviewIncidents(deps, who.bot, review));
      if (lifecycle.ended) return finish();
      if (lifecycle.value) report.lifecycle = lifecycle.value;
      // Notes a dry run held back, once the bot writes for real; after the review, so an
      // incident whose merge requests ended meanwhile is closed and gets none.
      const heldBackNow = report.outcomes.some((o) => o.note?.heldBack === true);
      const held = await step('notes held back by a dry run', () =>
        publishHeldBack(who.bot, heldBackNow),
      );
      if (held.ended) return finish();
      reportedAuthProblem = '';
      return finish();
    } catch (error) {
      if (error instanceof GitlabTransientError) {
        outage(error);
        return finish();
      }
      if (error instanceof GitlabAuthError) {
        // Said once, not every minute, until it changes.
        if (reportedAuthProblem !== error.message) {
          logger.error({ err: error.message }, 'GitLab refused the bot');
        }
        reportedAuthProblem = error.message;
        report.problems.push({ where: 'GitLab', message: error.message });
        return finish();
      }
      throw error;
    } finally {
      running = false;
    }
  }

  /** Resolves when no cycle or drain is running (for a clean shutdown). */
  async function idle(): Promise<void> {
    while (running) await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.idle();
  }

  return { runCycle, idle, worker, isWatched: source.isWatched };
}
