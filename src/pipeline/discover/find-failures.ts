import type { GitlabPort, Job, ProjectRef } from '../../gitlab/port.js';
import type { Store } from '../../store/index.js';
import { failedAt, queueFound } from './queue-found.js';

export interface FindSettings {
  perPage: number;
  /** How far back the first look at a project goes. */
  lookbackMs: number;
}

/**
 * Puts the new failed jobs of one project in the durable queue through REST
 * (`GET /projects/:id/jobs?scope[]=failed`) and moves its cursor: newest
 * first, page after page until the cursor (the highest job id read before),
 * so however many failures arrived since the last look none is skipped, and
 * a quiet project costs one request. The page that reaches the cursor is read
 * whole: a job below the cursor that the queue does not know is a long job
 * that failed late, and is new too. On the first look, jobs older than the
 * lookback are remembered as done instead. Returns the number of new jobs;
 * they are also added to `seen`.
 */
export async function findNewFailures(
  gitlab: GitlabPort,
  store: Store,
  project: ProjectRef,
  settings: FindSettings,
  now: () => Date,
  seen: Map<number, Job>,
): Promise<number> {
  const cursor = store.cursors.getCursor(project.id);
  const horizon = now().getTime() - settings.lookbackMs;
  // Maps: new failures during the listing shift the pages, so a job can show up twice.
  const fresh = new Map<number, Job>();
  const tooOld = new Map<number, Job>();
  let highest = cursor ?? 0;
  for (let page = 1; ; page++) {
    const jobs = await gitlab.listFailedJobs(project.id, { perPage: settings.perPage, page });
    let reached = jobs.length < settings.perPage;
    for (const job of jobs) {
      highest = Math.max(highest, job.id);
      if (cursor !== undefined && job.id <= cursor) reached = true;
      if (store.jobQueue.isJobKnown(job.id)) continue;
      if (cursor === undefined && failedAt(job) < horizon) {
        tooOld.set(job.id, job);
        reached = true;
        continue;
      }
      fresh.set(job.id, job);
    }
    if (reached) break;
  }
  const asFound = (job: Job) => ({
    id: job.id,
    projectId: project.id,
    pipelineId: job.pipeline.id,
  });
  queueFound(store, [...fresh.values()].map(asFound), [...tooOld.values()].map(asFound), () => {
    if (highest > 0) store.cursors.setCursor(project.id, highest);
  });
  for (const job of fresh.values()) seen.set(job.id, job);
  return fresh.size;
}
