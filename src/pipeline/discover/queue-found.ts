import type { FailedJobRef } from '../../gitlab/port.js';
import type { Store } from '../../store/index.js';

/** A failed job as the queue holds it. */
export type FoundJob = Pick<FailedJobRef, 'id' | 'projectId' | 'pipelineId'>;

/**
 * Puts what a listing found in the durable queue, the only thing a source
 * does with it: the worker drains the queue, and the queue drops a job it
 * already holds, whichever source found it first. `skipped` are jobs older
 * than the first look reaches: remembered as done, so a later listing does
 * not take them for late failures. Returns how many jobs were new.
 */
export function queueFound(
  store: Store,
  fresh: Iterable<FoundJob>,
  skipped: Iterable<FoundJob> = [],
  alsoRecord: () => void = () => undefined,
): number {
  const entry = (job: FoundJob) => ({
    jobId: job.id,
    projectId: job.projectId,
    pipelineId: job.pipelineId,
  });
  return store.transaction(() => {
    const added = store.jobQueue.enqueueJobs([...fresh].map(entry));
    const old = [...skipped].filter((job) => !store.jobQueue.isJobKnown(job.id));
    store.jobQueue.enqueueJobs(old.map(entry));
    for (const job of old) store.jobQueue.markJobDone(job.id);
    alsoRecord();
    return added;
  });
}

/** When a failed job failed, for the first look's horizon. */
export function failedAt(job: { createdAt: string; finishedAt?: string }): number {
  return Date.parse(job.finishedAt ?? job.createdAt);
}
