import { GitlabTransientError, errorMessage } from '../../errors.js';
import type { Job } from '../../gitlab/port.js';
import type { PipelineDeps } from '../deps.js';
import type { Problem } from '../pause.js';
import { findNewFailures } from './find-failures.js';
import { createQuietPacing } from './quiet-projects.js';
import { createWatchList, type WatchSettings } from './watch-list.js';

export interface PollSourceSettings {
  watch: WatchSettings;
  /** How far back the first look at a project goes. */
  lookbackMs: number;
  /** Jobs per page when listing failures. */
  perPage: number;
  /** Pages read at most per project and cycle (after a long pause). */
  maxPages: number;
  /** How long the list of watched projects is reused. */
  watchListTtlMs: number;
  /** The most cycles a quiet project is left out between polls (0: never). */
  maxQuietSkip: number;
}

export interface PollReport {
  projects: number;
  /** Quiet projects left out of this poll. */
  projectsSkipped?: number;
  newJobs: number;
  problems: Problem[];
}

/**
 * The poll source: lists the new failed jobs of every watched project into
 * the durable queue. After each project with new failures it calls
 * `found`, so they are diagnosed at once rather than after the whole sweep
 * (a large fleet takes minutes to list); `found` answering 'pause' stops
 * the poll. A failure in one project never stops the others; an outage
 * (GitlabTransientError) is thrown to the caller.
 */
export function createPollSource(
  deps: Pick<PipelineDeps, 'gitlab' | 'store' | 'logger' | 'now'>,
  settings: PollSourceSettings,
) {
  const { gitlab, store, logger, now } = deps;
  const watchedProjects = createWatchList(gitlab, settings.watch, settings.watchListTtlMs, now);
  const quiet = createQuietPacing(settings.maxQuietSkip);

  return async function poll(
    report: PollReport,
    seen: Map<number, Job>,
    found: (projectId: number) => Promise<'ok' | 'pause'>,
  ): Promise<'ok' | 'pause'> {
    quiet.nextCycle();
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
        if (fresh > 0 && (await found(project.id)) === 'pause') return 'pause';
      } catch (error) {
        if (error instanceof GitlabTransientError) throw error;
        report.problems.push({ where: project.pathWithNamespace, message: errorMessage(error) });
        logger.warn({ projectId: project.id, err: errorMessage(error) }, 'cannot list failed jobs');
      }
    }
    return 'ok';
  };
}
