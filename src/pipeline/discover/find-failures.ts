import type { GitlabPort, Job, ProjectRef } from '../../gitlab/port.js';
import type { Store } from '../../store/index.js';

export interface FindSettings {
  perPage: number;
  maxPages: number;
  /** How far back the first look at a project goes. */
  lookbackMs: number;
}

/**
 * Puts the new failed jobs of one project in the durable queue and moves its
 * cursor: newest first, page after page while every job is new, so a long
 * pause is caught up but a quiet project costs one request. A job the queue
 * already knows is not new; one with a lower id than the cursor may be (a
 * long job that failed late), so the queue, not the cursor, decides.
 * Returns the jobs found, which are also added to `seen`.
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
