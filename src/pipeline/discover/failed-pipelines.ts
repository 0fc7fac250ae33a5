import { GitlabQueryTooComplexError, GitlabTransientError, errorMessage } from '../../errors.js';
import { replanFailedPipelines } from '../../gitlab/failed-pipelines-plan.js';
import type {
  FailedJobRef,
  FailedPipelinesPlan,
  GitlabPort,
  Job,
  ProjectFailures,
  ProjectRef,
} from '../../gitlab/port.js';
import type { Store } from '../../store/index.js';
import type { Problem } from '../pause.js';
import { queueFound } from './queue-found.js';

/** When the last complete sweep started (ISO); the next asks for pipelines updated since. */
export const SWEEP_SINCE_KEY = 'discovery-failed-pipelines-since';

/**
 * GitLab's clock and the bot's may differ: each sweep asks for a little more
 * than the time since the last one (never more than the lookback), and the
 * queue drops what it already holds.
 */
const CLOCK_SLACK_MS = 5 * 60_000;

export interface SweepDeps {
  gitlab: GitlabPort;
  store: Store;
  now: () => Date;
}

export interface SweepOutcome {
  outcome: 'ok' | 'pause';
  /** Projects GraphQL could not answer for: the caller lists them one by one. */
  leftOver: ProjectRef[];
}

/** The plan of the next query; `refused` learns from GitLab refusing one as too complex. */
export interface BatchPlanner {
  current(): FailedPipelinesPlan | undefined;
  refused(tried: FailedPipelinesPlan, error: GitlabQueryTooComplexError): void;
}

/**
 * Sweeps every watched project for the failed jobs of pipelines updated since the last
 * complete sweep, a batch of projects per GraphQL query (so 10,000 projects
 * cost about 100 queries), and queues their failed jobs. Nothing is dropped:
 * a project with more updated pipelines than a query holds is asked again from
 * where it stopped, a pipeline with more failed jobs is listed through REST,
 * and the time mark moves only once every batch was answered. A query GitLab
 * finds too complex is planned smaller and asked again; a batch GraphQL
 * refuses otherwise is left to the per-project listing. After each batch with
 * new jobs, `found` lets the worker start on them.
 */
export async function sweepFailedPipelines(
  deps: SweepDeps,
  projects: readonly ProjectRef[],
  planner: BatchPlanner,
  options: { lookbackMs: number; seen: Map<number, Job>; problems: Problem[] },
  found: (newJobs: number) => Promise<'ok' | 'pause'>,
): Promise<SweepOutcome> {
  const { gitlab, store, now } = deps;
  const startedAt = now();
  const stored = store.meta.getMeta(SWEEP_SINCE_KEY);
  const since = new Date(
    stored === undefined
      ? startedAt.getTime() - options.lookbackMs
      : Date.parse(stored) - Math.min(CLOCK_SLACK_MS, options.lookbackMs),
  ).toISOString();
  const leftOver: ProjectRef[] = [];
  let unread = false;
  let next = 0;
  while (next < projects.length) {
    const plan = planner.current();
    if (!plan) {
      leftOver.push(...projects.slice(next));
      break;
    }
    const batch = projects.slice(next, next + plan.projects);
    let jobs: FailedJobRef[];
    try {
      const answers = await gitlab.listPipelineFailures(
        batch.map((p) => p.id),
        { updatedAfter: since, plan },
      );
      jobs = await everyFailedJob(gitlab, answers, { since, plan, seen: options.seen });
    } catch (error) {
      if (error instanceof GitlabQueryTooComplexError) {
        planner.refused(plan, error);
        if (!planner.current()) {
          options.problems.push({
            where: 'failed jobs of many projects (GraphQL)',
            message: `${error.message}; no smaller query fits, listing projects one by one`,
          });
        }
        continue;
      }
      if (error instanceof GitlabTransientError) throw error;
      options.problems.push({
        where: `failed jobs of ${batch.length} project(s) (GraphQL)`,
        message: `${errorMessage(error)}; listing them one by one instead`,
      });
      // The window is not moved on: if listing one by one fails too, the next sweep looks again.
      unread = true;
      leftOver.push(...batch);
      next += batch.length;
      continue;
    }
    next += batch.length;
    const added = queueFound(store, jobs);
    if (added > 0 && (await found(added)) === 'pause') return { outcome: 'pause', leftOver };
  }
  if (!unread) store.meta.setMeta(SWEEP_SINCE_KEY, startedAt.toISOString());
  return { outcome: 'ok', leftOver };
}

/** The failed jobs of the answers, asking again for what did not fit in them. */
async function everyFailedJob(
  gitlab: GitlabPort,
  answers: ProjectFailures[],
  context: { since: string; plan: FailedPipelinesPlan; seen: Map<number, Job> },
): Promise<FailedJobRef[]> {
  const jobs: FailedJobRef[] = [];
  for (let answer of answers) {
    for (;;) {
      for (const pipeline of answer.pipelines) {
        if (!pipeline.moreJobs) {
          jobs.push(...pipeline.jobs);
          continue;
        }
        const all = await gitlab.listPipelineJobs(answer.projectId, pipeline.id);
        for (const job of all.filter((j) => j.status === 'failed')) {
          context.seen.set(job.id, job);
          jobs.push({
            id: job.id,
            projectId: answer.projectId,
            pipelineId: pipeline.id,
            createdAt: job.createdAt,
          });
        }
      }
      if (answer.morePipelines === undefined) break;
      const [rest] = await gitlab.listPipelineFailures([answer.projectId], {
        updatedAfter: context.since,
        plan: context.plan,
        pipelinesAfter: answer.morePipelines,
      });
      if (!rest) break;
      answer = rest;
    }
  }
  return jobs;
}

/** A planner that starts from the instance's limit and shrinks when GitLab refuses. */
export function createBatchPlanner(initial: FailedPipelinesPlan | undefined): BatchPlanner {
  let plan = initial;
  return {
    current: () => plan,
    refused(tried, error) {
      plan = replanFailedPipelines(tried, error.complexity, error.limit);
    },
  };
}
