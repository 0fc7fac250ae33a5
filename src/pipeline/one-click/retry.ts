import { GitlabResponseError, GitlabTransientError, errorMessage } from '../../errors.js';
import { ACTION } from '../../fix/state.js';
import type { Job } from '../../gitlab/port.js';
import type { Incident, Occurrence } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';

/**
 * Retries the failed jobs of every pipeline the incident covers that is
 * still the newest of its ref, once each: the trail remembers what was
 * retried, so a restart never retries twice. `only` narrows the jobs (a
 * retry approved on one note retries that note's jobs).
 */
export async function retryAffectedJobs(
  deps: PipelineDeps,
  incident: Incident,
  only: (occurrence: Occurrence) => boolean = () => true,
): Promise<number> {
  const { store, gitlab } = deps;
  const actions = store.actions.listActions(incident.id);
  const done = new Set(
    actions.filter((a) => a.kind === ACTION.retry).map((a) => Number(a.detail.oldJobId)),
  );
  const fixedAt = [...actions]
    .reverse()
    .find(
      (a) =>
        (a.kind === ACTION.write && a.detail.op === 'add') ||
        (a.kind === ACTION.outcome && a.status === 'fixed-by-hand'),
    )?.createdAt;
  let retried = 0;
  // Several failed jobs usually share a pipeline: ask once per project and ref.
  const newest = new Map<string, Promise<{ id: number } | undefined>>();
  const latestOf = (projectId: number, ref: string) => {
    const key = `${projectId}:${ref}`;
    let found = newest.get(key);
    if (!found) {
      found = gitlab.latestPipeline(projectId, ref);
      newest.set(key, found);
    }
    return found;
  };
  for (const occurrence of store.occurrences.listOccurrences(incident.id)) {
    if (done.has(occurrence.jobId) || !only(occurrence)) continue;
    // Only failures seen before the fix are the fix's to retry (both times are the bot's clock).
    if (fixedAt && occurrence.recordedAt > fixedAt) continue;
    const detail = {
      projectId: occurrence.projectId,
      oldJobId: occurrence.jobId,
      jobName: occurrence.jobName,
    };
    try {
      const latest = await latestOf(occurrence.projectId, occurrence.ref);
      if (latest && latest.id !== occurrence.pipelineId) {
        store.actions.recordAction({
          incidentId: incident.id,
          kind: ACTION.retry,
          status: 'skipped',
          detail: {
            ...detail,
            reason: `pipeline ${occurrence.pipelineId} is no longer the newest of ${occurrence.ref}`,
          },
        });
        continue;
      }
      const job = await gitlab.retryJob(occurrence.projectId, occurrence.jobId);
      // GitLab answers a retry with a new job; the same job back means none was made (dry-run).
      if (job.id === occurrence.jobId) {
        store.actions.recordAction({
          incidentId: incident.id,
          kind: ACTION.retry,
          status: 'skipped',
          detail: { ...detail, reason: 'no new job was made' },
        });
        continue;
      }
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.retry,
        status: 'ok',
        detail: { ...detail, newJobId: job.id, jobUrl: job.webUrl, status: job.status },
      });
      retried += 1;
    } catch (error) {
      // Refused because it was retried already (by the bot before a crash), or its answer lost
      // or unreadable: the pipeline tells whether the retry was made.
      const newer = await newerRun(deps, occurrence);
      if (newer) {
        store.actions.recordAction({
          incidentId: incident.id,
          kind: ACTION.retry,
          status: 'ok',
          detail: {
            ...detail,
            newJobId: newer.id,
            jobUrl: newer.webUrl,
            status: newer.status,
            confirmedBy: 'the pipeline lists a newer run of the job',
          },
        });
        retried += 1;
        continue;
      }
      // Left for the next cycle: the trail shows the job is not retried yet.
      if (error instanceof GitlabTransientError || error instanceof GitlabResponseError) {
        throw error;
      }
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.retry,
        status: 'failed',
        detail: { ...detail, error: errorMessage(error) },
      });
    }
  }
  return retried;
}

/** The run of the same job that replaced `occurrence`'s in its pipeline, if it was retried. */
async function newerRun(
  deps: PipelineDeps,
  occurrence: { projectId: number; pipelineId: number; jobId: number; jobName: string },
): Promise<Job | undefined> {
  let jobs: Job[];
  try {
    jobs = await deps.gitlab.listPipelineJobs(occurrence.projectId, occurrence.pipelineId);
  } catch (error) {
    if (error instanceof GitlabTransientError) throw error;
    return undefined;
  }
  return jobs
    .filter((j) => j.name === occurrence.jobName && j.id > occurrence.jobId)
    .sort((a, b) => a.id - b.id)[0];
}
