import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabTransientError,
  errorMessage,
} from '../errors.js';
import type { GitlabUser, Job, ProjectRef } from '../gitlab/port.js';
import { runOneClick, type OneClickReport } from './one-click.js';
import { processJob, type JobOutcome, type WorkerDeps } from './process-job.js';

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
  let watchList: { projects: ProjectRef[]; until: number } | undefined;
  let bot: GitlabUser | undefined;
  let reportedAuthProblem = '';
  // Quiet projects are polled less often: GitLab limits the jobs endpoint
  // (600 requests a minute per user by default), so a large fleet must spend
  // its requests where failures happen. In memory only: a restart polls all.
  const quietStreak = new Map<number, number>();
  let cycleNumber = 0;

  /** Every project now and then, spread over cycles by id so the load stays even. */
  function dueForPolling(projectId: number): boolean {
    const streak = quietStreak.get(projectId) ?? 0;
    const every = 1 + Math.min(settings.maxQuietSkip, Math.floor(streak / 2));
    return (cycleNumber + projectId) % every === 0;
  }

  function recordPoll(projectId: number, fresh: number) {
    if (fresh > 0) quietStreak.delete(projectId);
    else quietStreak.set(projectId, (quietStreak.get(projectId) ?? 0) + 1);
  }

  async function watchedProjects(problems: CycleReport['problems']): Promise<ProjectRef[]> {
    if (watchList && watchList.until > now().getTime()) return watchList.projects;
    const { projects: paths, groups } = settings.watch;
    let projects: ProjectRef[] = [];
    if (paths.length === 0 && groups.length === 0) {
      projects = await gitlab.listMemberProjects();
    } else {
      for (const path of paths) {
        try {
          projects.push(await gitlab.getProject(path));
        } catch (error) {
          if (error instanceof GitlabTransientError) throw error;
          problems.push({ where: `watched project ${path}`, message: errorMessage(error) });
        }
      }
      for (const group of groups) {
        try {
          projects.push(...(await gitlab.listGroupProjects(group)));
        } catch (error) {
          if (error instanceof GitlabTransientError) throw error;
          problems.push({ where: `watched group ${group}`, message: errorMessage(error) });
        }
      }
    }
    const unique = [...new Map(projects.map((p) => [p.id, p])).values()];
    watchList = { projects: unique, until: now().getTime() + settings.watchListTtlMs };
    return unique;
  }

  /** New failures of one project, newest first, bounded by pages and the lookback. */
  async function listNewFailures(project: ProjectRef, seen: Map<number, Job>): Promise<number> {
    const cursor = store.cursors.getCursor(project.id);
    const since = now().getTime() - settings.lookbackMs;
    const fresh: Job[] = [];
    const tooOld: Job[] = [];
    let highest = cursor ?? 0;
    for (let page = 1; page <= settings.maxPages; page++) {
      const jobs = await gitlab.listFailedJobs(project.id, { perPage: settings.perPage, page });
      let allNew = jobs.length === settings.perPage;
      for (const job of jobs) {
        highest = Math.max(highest, job.id);
        if (store.jobQueue.isJobKnown(job.id)) {
          allNew = false;
          continue;
        }
        // The lookback only bounds the first look; later, the queue knows what was seen.
        const failedAt = Date.parse(job.finishedAt ?? job.createdAt);
        if (cursor === undefined && failedAt < since) {
          tooOld.push(job);
          allNew = false;
          continue;
        }
        fresh.push(job);
        seen.set(job.id, job);
      }
      if (!allNew) break;
    }
    store.transaction(() => {
      const entry = (j: Job) => ({ jobId: j.id, projectId: project.id, pipelineId: j.pipeline.id });
      store.jobQueue.enqueueJobs(fresh.map(entry));
      // Remember what the first look skipped, so it is not taken for a late failure.
      store.jobQueue.enqueueJobs(tooOld.map(entry));
      for (const job of tooOld) store.jobQueue.markJobDone(job.id);
      if (highest > 0) store.cursors.setCursor(project.id, highest);
    });
    return fresh.length;
  }

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
    cycleNumber += 1;
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
        if (!dueForPolling(project.id)) {
          report.projectsSkipped = (report.projectsSkipped ?? 0) + 1;
          continue;
        }
        try {
          const fresh = await listNewFailures(project, seen);
          recordPoll(project.id, fresh);
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
