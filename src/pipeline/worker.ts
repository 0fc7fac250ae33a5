import {
  GitlabNotFoundError,
  GitlabPausedError,
  GitlabTransientError,
  errorMessage,
} from '../errors.js';
import type { GitlabUser, Job } from '../gitlab/port.js';
import { isStoreFailure, type Note as StoredNote } from '../store/index.js';
import type { PipelineDeps } from './deps.js';
import { newFeedbackReport, type FeedbackReport } from './feedback/sync.js';
import { answerNote, type Into, type Wanted } from './note-answers.js';
import { newOneClickReport, type OneClickReport } from './one-click/types.js';
import { endsTheCycle, type Problem } from './pause.js';
import { processJob, type JobOutcome } from './process-job.js';
import { refreshNotes } from './publish/note.js';

export interface WorkerSettings {
  /** Jobs diagnosed at most per drain; the rest wait in the queue. */
  maxJobsPerDrain: number;
  /** Attempts before a job that keeps failing to process is given up. */
  maxAttempts: number;
}

/** What a drain did; a cycle adds up several. */
export interface DrainReport {
  outcomes: JobOutcome[];
  /** Jobs put back in the queue for later. */
  deferred: number;
  /** Jobs given up on. */
  failed: number;
  problems: Problem[];
}

export interface DrainOptions {
  /** Only this project's jobs (a poll diagnoses what it just found). */
  projectId?: number;
  /** Jobs already read from GitLab, so they are not read again. */
  seen?: ReadonlyMap<number, Job>;
  /** Jobs left to diagnose, shared by the drains of one cycle. */
  budget?: { left: number };
}

/** Transient failures in a row (each after its own retries) that end a drain. */
const MAX_FAILURES_IN_A_ROW = 3;

export function newDrainReport(): DrainReport {
  return { outcomes: [], deferred: 0, failed: 0, problems: [] };
}

/**
 * The one worker: it drains the durable job queue that every source (the
 * poll, webhooks) fills, one drain at a time, so a job is never diagnosed
 * twice at once. A job that fails to process goes back in the queue with a
 * backoff; an outage pauses every source.
 */
export function createWorker(deps: PipelineDeps, settings: WorkerSettings) {
  const { gitlab, store, logger, now } = deps;
  let lane: Promise<unknown> = Promise.resolve();
  let waitingKick: Promise<DrainReport> | undefined;
  let bot: GitlabUser | undefined;

  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = lane.then(task, task);
    lane = run.catch(() => undefined);
    return run;
  }

  async function botUser(): Promise<GitlabUser> {
    bot ??= await gitlab.currentUser();
    return bot;
  }

  async function identity(): Promise<{ bot: GitlabUser; version: string | undefined }> {
    const user = await botUser();
    const version = await gitlab.version().then(
      (v) => v.version,
      () => undefined,
    );
    return { bot: user, version };
  }

  function defer(jobId: number, attempts: number, error: unknown, report: DrainReport) {
    const message = errorMessage(error);
    const retryAfter = error instanceof GitlabTransientError ? error.retryAfterMs : undefined;
    // GitLab asked the bot to wait (a pause, or a rate limit's Retry-After): the job waits that
    // long, and the wait uses up none of its attempts, however many kinds of request pause.
    if (retryAfter !== undefined) {
      store.jobQueue.postponeJob(jobId, message, new Date(now().getTime() + retryAfter));
      report.deferred += 1;
      return;
    }
    if (attempts + 1 >= settings.maxAttempts) {
      store.jobQueue.markJobFailed(jobId, message);
      report.failed += 1;
      return;
    }
    const backoff = Math.min(60 * 60_000, 60_000 * 2 ** attempts);
    store.jobQueue.markJobRetry(jobId, message, new Date(now().getTime() + backoff));
    report.deferred += 1;
  }

  async function drainNow(
    who: { bot: GitlabUser; version: string | undefined },
    report: DrainReport,
    options: DrainOptions,
  ): Promise<'ok' | 'pause'> {
    const budget = options.budget ?? { left: settings.maxJobsPerDrain };
    let failuresInARow = 0;
    const due = store.jobQueue
      .dueJobs(now(), settings.maxJobsPerDrain)
      .filter((q) => options.projectId === undefined || q.projectId === options.projectId);
    for (const queued of due) {
      if (budget.left <= 0) return 'ok';
      budget.left -= 1;
      try {
        const job =
          options.seen?.get(queued.jobId) ?? (await gitlab.getJob(queued.projectId, queued.jobId));
        report.outcomes.push(await processJob(deps, job, who.bot, who.version));
        store.jobQueue.markJobDone(queued.jobId);
        failuresInARow = 0;
      } catch (error) {
        // A full or unwritable database is not this job's fault: it ends the cycle, which
        // says so, and the job keeps its attempts for when the database works again.
        if (isStoreFailure(error)) throw error;
        if (error instanceof GitlabNotFoundError) {
          // The job or its project is gone: nothing left to diagnose.
          store.jobQueue.markJobFailed(queued.jobId, errorMessage(error));
          report.failed += 1;
          continue;
        }
        defer(queued.jobId, queued.attempts, error, report);
        report.problems.push({ where: `job ${queued.jobId}`, message: errorMessage(error) });
        logger.warn(
          { jobId: queued.jobId, projectId: queued.projectId, err: errorMessage(error) },
          'job diagnosis deferred',
        );
        if (endsTheCycle(error)) return 'pause';
        // A pause made no request; anything else that keeps failing is an outage.
        if (error instanceof GitlabTransientError && !(error instanceof GitlabPausedError)) {
          failuresInARow += 1;
          if (failuresInARow >= MAX_FAILURES_IN_A_ROW) {
            report.problems.push({
              where: 'GitLab',
              message: `${failuresInARow} jobs in a row failed on GitLab's side; the rest wait for the next cycle`,
            });
            return 'pause';
          }
        }
      }
    }
    return 'ok';
  }

  /**
   * One note's approvals and feedback now (a webhook said someone answered it), in turn with
   * the drains: its reactions and replies are read once for all of them.
   */
  function answer(note: StoredNote, wanted: Wanted): Promise<Into> {
    return serial(async () => {
      const into: Into = {
        oneClick: newOneClickReport(),
        feedback: newFeedbackReport(),
        changed: new Set(),
      };
      try {
        const user = await botUser();
        await answerNote(deps, note, user, wanted, into);
        if (into.changed.size > 0) await refreshNotes(deps, into.changed, user);
      } catch (error) {
        if (!(error instanceof GitlabTransientError)) throw error;
        const what = wanted.approvals ? 'approvals deferred' : 'feedback deferred';
        logger.warn({ noteId: note.noteId, err: errorMessage(error) }, what);
      }
      return into;
    });
  }

  return {
    /** Reads who the bot is and GitLab's version (once per cycle). */
    identity,

    /** Diagnoses the due jobs, after any drain already running. */
    drain(
      who: { bot: GitlabUser; version: string | undefined },
      report: DrainReport,
      options: DrainOptions = {},
    ): Promise<'ok' | 'pause'> {
      return serial(() => drainNow(who, report, options));
    },

    /**
     * Asks for a drain now rather than at the next cycle (a source just
     * enqueued something). A kick while a drain runs queues one more drain
     * after it; kicks while that one still waits share it.
     */
    kick(): Promise<DrainReport> {
      waitingKick ??= serial(async () => {
        waitingKick = undefined;
        const report = newDrainReport();
        try {
          await drainNow(await identity(), report, {});
        } catch (error) {
          if (!(error instanceof GitlabTransientError)) throw error;
          report.problems.push({ where: 'GitLab', message: errorMessage(error) });
        }
        return report;
      });
      return waitingKick;
    },

    /**
     * Acts now on the approvals of one of the bot's notes, fixes and retries
     * alike (a webhook said someone answered it), in turn with the drains.
     * The approvals are read again through the API; the audit trail makes a
     * repeat change nothing. The feedback comes with that read, and is read
     * anyway when `feedback` says a reply asked for it.
     */
    approve(note: StoredNote, feedback = false): Promise<OneClickReport> {
      return answer(note, { approvals: true, feedback }).then((r) => r.oneClick);
    },

    /**
     * Reads again the 👎 and `wrong` replies on one of the bot's notes (a webhook said one
     * was given or taken back), in turn with the drains and approvals.
     */
    feedback(note: StoredNote): Promise<FeedbackReport> {
      return answer(note, { approvals: false, feedback: true }).then((r) => r.feedback);
    },

    /** Runs `task` in turn with the drains and approvals (the cycle's one-click pass). */
    exclusive: serial,

    /** Resolves when no drain is running or waiting (for a clean shutdown). */
    async idle(): Promise<void> {
      let current: Promise<unknown>;
      do {
        current = lane;
        await current;
      } while (current !== lane);
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
