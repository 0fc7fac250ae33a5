import { ACTION, hasOneClickFix, isFinal, isWritten, retriedJobs } from '../../fix/state.js';
import type { Incident } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { retryAffectedJobs } from './retry.js';
import { diagnosisOf, type OneClickReport } from './types.js';

/** Incidents fixed lately, whose retries may be unfinished or still running. */
export function incidentsWithRecentWrites(deps: PipelineDeps, since: Date): Incident[] {
  return deps.store.incidents
    .listIncidents({ status: 'fixed', since, limit: 200 })
    .filter((i) => hasOneClickFix(diagnosisOf(i)));
}

/** Retries not yet made (after a crash) and retried jobs still running. */
export async function continueAfterWrite(
  deps: PipelineDeps,
  incident: Incident,
  report: OneClickReport,
): Promise<boolean> {
  const actions = deps.store.actions.listActions(incident.id);
  const applied = actions.some(
    (a) =>
      (a.kind === ACTION.write && a.detail.op === 'add' && isWritten(a.status)) ||
      (a.kind === ACTION.outcome && a.status === 'fixed-by-hand'),
  );
  if (!applied) return false;
  let changed = false;
  const retried = await retryAffectedJobs(deps, incident);
  report.retried += retried;
  if (retried > 0) changed = true;
  for (const job of retriedJobs(deps.store.actions.listActions(incident.id))) {
    if (isFinal(job.status)) continue;
    const now = await deps.gitlab.getJob(job.projectId, job.newJobId);
    if (now.status === job.status) continue;
    deps.store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.retryResult,
      status: now.status,
      detail: { newJobId: job.newJobId, status: now.status },
    });
    changed = true;
  }
  return changed;
}
