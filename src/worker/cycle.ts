import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabTransientError,
  errorMessage,
} from '../errors.js';
import type { GitlabUser, Job } from '../gitlab/port.js';
import { findNewFailures } from './find-failures.js';
import { runOneClick, type OneClickReport } from './one-click.js';
import { processJob, type JobOutcome, type WorkerDeps } from './process-job.js';
import { createQuietPacing } from './quiet-projects.js';
import { createWatchList } from './watch-list.js';

export interface PollSettings {
  /** Full paths; both empty means every project the bot is a member of. */
  watch: { projects: string[]; groups: string[] };
  /** How far back the first look at a project goes. */
  lookbackMs: number;
  /** Jobs per page when listing failures. */
  perPage?: number;
  /** Pages read at most per project and cycle (after a long pause). */
  maxPages?: number;
  /** Jobs diagnosed at most per cycle; the rest wait in the queue. */
  maxJobsPerCycle?: number;
  /** How long the list of watched projects is reused. */
  watchListTtlMs?: number;
  /** Attempts before a job that keeps failing to process is given up. */
  maxAttempts?: number;
  /** How long an offered fix waits for approval; older offers are no longer checked. */
  offerMaxAgeMs?: number;
  /**
   * The most cycles a project with no new failures is left out between polls
   * (0 polls every project every cycle).
   */
  maxQuietSkip?: number;
}

export interface CycleReport {
  startedAt: string;
  finishedAt: string;
  skipped?: 'overlap' | 'paused';
  projects: number;
  /** Quiet projects left out of this cycle. */
  projectsSkipped?: number;
  newJobs: number;
  outcomes: JobOutcome[];
  /** Jobs put back in the queue for a later cycle. */
  deferred: number;
  /** Jobs given up on. */
  failed: number;
  problems: { where: string; message: string }[];
  /** Approvals read and acted on (the one-click fix). */
  oneClick?: OneClickReport;
}

const PAUSE_KEY = 'gitlab-paused-until';
/** Where the last cycle's outcome is kept, for /readyz and the dashboard. */
export const LAST_CYCLE_KEY = 'last-cycle';

export interface LastCycle {
  at: string;
  /** GitLab answered (no outage, no refusal). */
  gitlabOk: boolean;
  newJobs: number;
  diagnosed: number;
  problems: number;
}

/**
 * The poller: each cycle lists new failed jobs of every watched project into
 * the durable queue, then diagnoses what is due. A failure in one project or
 * job never stops the others; GitLab outages put work back in the queue.
 */
export function createPoller(deps: WorkerDeps & { settings: PollSettings }) {
  const { gitlab, store, logger, now } = deps;
  const settings = {
    perPage: 20,
    maxPages: 5,
    maxJobsPerCycle: 200,
    watchListTtlMs: 10 * 60_000,
    maxAttempts: 8,
    offerMaxAgeMs: 14 * 24 * 60 * 60_000,
    maxQuietSkip: 3,
    ...deps.settings,
  };
  let running = false;
  let bot: GitlabUser | undefined;
  let reportedAuthProblem = '';
  const watchedProjects = createWatchList(gitlab, settings.watch, settings.watchListTtlMs, now);
  const quiet = createQuietPacing(settings.maxQuietSkip);

  function pause(error: GitlabTransientError, report: CycleReport) {
    const until = new Date(now().getTime() + (error.retryAfterMs ?? 60_000));
    store.meta.setMeta(PAUSE_KEY, until.toISOString());
    report.problems.push({
      where: 'GitLab',
      message: `${error.message}; pausing until ${until.toISOString()}`,
    });
    logger.warn(
      { until: until.toISOString(), status: error.status },
      'GitLab asked the bot to wait',
    );
  }

  function deferJob(jobId: number, attempts: number, error: unknown, report: CycleReport) {
    const message = errorMessage(error);
    if (attempts + 1 >= settings.maxAttempts) {
      store.jobQueue.markJobFailed(jobId, message);
      report.failed += 1;
      return;
    }
    const retryAfter = error instanceof GitlabTransientError ? error.retryAfterMs : undefined;
    const backoff = Math.min(60 * 60_000, 60_000 * 2 ** attempts);
    store.jobQueue.markJobRetry(
      jobId,
      message,
      new Date(now().getTime() + Math.max(backoff, retryAfter ?? 0)),
    );
    report.deferred += 1;
  }

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
        store.meta.setMeta(LAST_CYCLE_KEY, JSON.stringify(last));
      }
      return done;
    };
    // node-cron's own guard covers the scheduler; this one covers direct calls too.
    if (running) return { ...finish(), skipped: 'overlap' };
    const pausedUntil = store.meta.getMeta(PAUSE_KEY);
    if (pausedUntil && Date.parse(pausedUntil) > now().getTime()) {
      return { ...finish(), skipped: 'paused' };
    }
    running = true;
    quiet.nextCycle();
    try {
      bot ??= await gitlab.currentUser();
      const version = await gitlab.version().then(
        (v) => v.version,
        () => undefined,
      );
      const seen = new Map<number, Job>();
      let budget = settings.maxJobsPerCycle;
      const diagnoseDue = async (projectId: number | undefined): Promise<'ok' | 'pause'> => {
        const due = store.jobQueue
          .dueJobs(now(), settings.maxJobsPerCycle)
          .filter((q) => projectId === undefined || q.projectId === projectId);
        for (const queued of due) {
          if (budget <= 0) return 'ok';
          budget -= 1;
          try {
            const job =
              seen.get(queued.jobId) ?? (await gitlab.getJob(queued.projectId, queued.jobId));
            report.outcomes.push(await processJob(deps, job, bot as GitlabUser, version));
            store.jobQueue.markJobDone(queued.jobId);
          } catch (error) {
            if (error instanceof GitlabNotFoundError) {
              // The job or its project is gone: nothing left to diagnose.
              store.jobQueue.markJobFailed(queued.jobId, errorMessage(error));
              report.failed += 1;
              continue;
            }
            deferJob(queued.jobId, queued.attempts, error, report);
            report.problems.push({ where: `job ${queued.jobId}`, message: errorMessage(error) });
            logger.warn(
              { jobId: queued.jobId, projectId: queued.projectId, err: errorMessage(error) },
              'job diagnosis deferred',
            );
            if (error instanceof GitlabTransientError) {
              pause(error, report);
              return 'pause';
            }
          }
        }
        return 'ok';
      };
      const projects = await watchedProjects(report.problems);
      report.projects = projects.length;
      for (const project of projects) {
        if (!quiet.isDue(project.id)) {
          report.projectsSkipped = (report.projectsSkipped ?? 0) + 1;
          continue;
        }
        try {
          const fresh = await findNewFailures(gitlab, store, project, settings, now, seen);
          quiet.record(project.id, fresh);
          report.newJobs += fresh;
          // Diagnose at once rather than after the whole sweep: a large fleet
          // takes minutes to list, and the note should not wait for it.
          if (fresh > 0 && (await diagnoseDue(project.id)) === 'pause') return finish();
        } catch (error) {
          if (error instanceof GitlabTransientError) {
            pause(error, report);
            return finish();
          }
          report.problems.push({ where: project.pathWithNamespace, message: errorMessage(error) });
          logger.warn(
            { projectId: project.id, err: errorMessage(error) },
            'cannot list failed jobs',
          );
        }
      }
      // What earlier cycles left in the queue (retries after outages).
      if ((await diagnoseDue(undefined)) === 'pause') return finish();
      try {
        report.oneClick = await runOneClick(deps, bot, settings.offerMaxAgeMs);
      } catch (error) {
        if (error instanceof GitlabTransientError) {
          pause(error, report);
          return finish();
        }
        report.problems.push({ where: 'one-click fixes', message: errorMessage(error) });
        logger.warn({ err: errorMessage(error) }, 'approvals could not be processed');
      }
      reportedAuthProblem = '';
      return finish();
    } catch (error) {
      if (error instanceof GitlabTransientError) {
        pause(error, report);
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

  /** Resolves when no cycle is running (for a clean shutdown). */
  async function idle(): Promise<void> {
    while (running) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return { runCycle, idle };
}
