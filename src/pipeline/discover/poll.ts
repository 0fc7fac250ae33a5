import { GitlabTransientError, errorMessage } from '../../errors.js';
import { planFailedPipelines } from '../../gitlab/failed-pipelines-plan.js';
import type { Job, ProjectRef } from '../../gitlab/port.js';
import { isStoreFailure } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { endsTheCycle, type Problem } from '../pause.js';
import { createBatchPlanner, sweepFailedPipelines, type BatchPlanner } from './failed-pipelines.js';
import { findNewFailures } from './find-failures.js';
import { findInstanceFailures } from './instance-jobs.js';
import { createModeChooser, type DiscoveryMode, type DiscoverySetting } from './mode.js';
import { createQuietPacing } from './quiet-projects.js';
import { createWatchList, type WatchSettings } from './watch-list.js';

export interface PollSourceSettings {
  watch: WatchSettings;
  /** How far back the first look goes. */
  lookbackMs: number;
  /** Jobs per page when listing one project's failures through REST. */
  perPage: number;
  /** How long the list of watched projects (and the mode) is reused. */
  watchListTtlMs: number;
  /** The most cycles a quiet project is left out between REST polls (0: never). */
  maxQuietSkip: number;
  /** How failures are found; `auto` picks the cheapest the instance allows. */
  discovery: DiscoverySetting;
  /**
   * In the instance mode, how often every watched project is swept as well:
   * the instance list is read down to the highest job id seen, so a long job
   * that fails late, after many newer failures, is found by the sweep.
   */
  sweepEveryMs: number;
}

export interface PollReport {
  projects: number;
  /** Quiet projects left out of this poll. */
  projectsSkipped?: number;
  newJobs: number;
  problems: Problem[];
  /** How failures were found this cycle. */
  discovery?: DiscoveryMode;
}

/** Diagnose what was just queued: a project's jobs, or every due job. */
export type Found = (projectId?: number) => Promise<'ok' | 'pause'>;

/**
 * The poll source: finds the new failed jobs of every watched project and
 * puts them in the durable queue, the cheapest way the instance allows (see
 * DiscoveryMode). After each step that queued something it calls `found`, so
 * jobs are diagnosed at once rather than after the whole sweep; `found`
 * answering 'pause' stops the poll. A failure in one project never stops the
 * others; an unreachable GitLab, or a failure of a step that covers every
 * project, is thrown to the caller.
 */
export function createPollSource(
  deps: Pick<PipelineDeps, 'gitlab' | 'store' | 'logger' | 'now'>,
  settings: PollSourceSettings,
) {
  const { gitlab, store, logger, now } = deps;
  const watchedProjects = createWatchList(gitlab, settings.watch, settings.watchListTtlMs, now);
  const modes = createModeChooser(gitlab, settings.discovery, settings.watchListTtlMs, now, logger);
  const quiet = createQuietPacing(settings.maxQuietSkip);
  let planner: { limit: number; planner: BatchPlanner } | undefined;
  let lastSweep = Number.NEGATIVE_INFINITY;

  function plannerFor(limit: number): BatchPlanner {
    if (planner?.limit !== limit) {
      planner = { limit, planner: createBatchPlanner(planFailedPipelines(limit)) };
    }
    return planner.planner;
  }

  async function pollEach(
    projects: readonly ProjectRef[],
    report: PollReport,
    seen: Map<number, Job>,
    found: Found,
  ): Promise<'ok' | 'pause'> {
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
        // Unreachable: the other projects would fail the same way. A 500 or a
        // pause is this project's alone; its cursor stays for the next cycle.
        if (endsTheCycle(error) || isStoreFailure(error)) throw error;
        report.problems.push({
          where: error instanceof GitlabTransientError ? 'GitLab' : project.pathWithNamespace,
          message: errorMessage(error),
        });
        logger.warn({ projectId: project.id, err: errorMessage(error) }, 'cannot list failed jobs');
      }
    }
    return 'ok';
  }

  let watchedIds: ReadonlySet<number> | undefined;

  async function poll(
    report: PollReport,
    seen: Map<number, Job>,
    found: Found,
  ): Promise<'ok' | 'pause'> {
    quiet.nextCycle();
    const projects = await watchedProjects(report.problems);
    watchedIds = new Set(projects.map((p) => p.id));
    report.projects = projects.length;
    const discovery = await modes.current(report.problems);
    report.discovery = discovery.mode;

    if (discovery.mode === 'instance') {
      const watched = new Set(projects.map((p) => p.id));
      try {
        const added = await findInstanceFailures(gitlab, store, watched, settings.lookbackMs, now);
        report.newJobs += added;
        if (added > 0 && (await found()) === 'pause') return 'pause';
      } catch (error) {
        if (error instanceof GitlabTransientError) throw error;
        report.problems.push({
          where: 'failed jobs of the instance (GraphQL)',
          message: errorMessage(error),
        });
        modes.forget();
      }
      if (now().getTime() - lastSweep < settings.sweepEveryMs) return 'ok';
    }

    let rest: readonly ProjectRef[] = projects;
    if (discovery.mode !== 'per-project' && discovery.batched) {
      const sweep = await sweepFailedPipelines(
        { gitlab, store, now },
        projects,
        plannerFor(discovery.maxComplexity),
        { lookbackMs: settings.lookbackMs, seen, problems: report.problems },
        async (added) => {
          report.newJobs += added;
          return found();
        },
      );
      if (sweep.outcome === 'pause') return 'pause';
      rest = sweep.leftOver;
    }
    const outcome = await pollEach(rest, report, seen, found);
    if (outcome === 'ok') lastSweep = now().getTime();
    return outcome;
  }

  return {
    poll,
    /** Whether a project is watched, as of the last poll (all are, before the first). */
    isWatched(projectId: number): boolean {
      return watchedIds?.has(projectId) ?? true;
    },
  };
}
