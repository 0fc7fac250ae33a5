import type { Diagnosis } from '../../domain/diagnosis.js';
import { failureEvent } from '../../domain/lifecycle.js';
import type { Job } from '../../gitlab/port.js';
import type { Store, Transition } from '../../store/index.js';
import type { NoteTarget } from '../publish/target.js';

/**
 * One incident per root cause; this job becomes one more occurrence of it. A job that
 * failed after the incident was fixed, or any new failure of a closed incident or one left
 * as an error, moves it back to open (domain/lifecycle.ts): the transition is returned so
 * the notes can say so.
 */
export function recordIncident(
  store: Store,
  diagnosis: Diagnosis,
  job: Job,
  target: NoteTarget,
): { incidentId: number; transition?: Transition } {
  return store.transaction(() => {
    const before = store.incidents.findIncidentByKey(diagnosis.rootCauseKey);
    const { incident } = store.incidents.upsertIncident({
      rootCauseKey: diagnosis.rootCauseKey,
      patternId: diagnosis.patternId,
      verdict: diagnosis.verdict,
      projectId: diagnosis.project.id,
      projectPath: diagnosis.project.path,
      targetProjectId: diagnosis.target?.id ?? null,
      targetProjectPath: diagnosis.target?.path ?? null,
      fields: diagnosis.fields,
      evidence: diagnosis.evidence,
      checks: diagnosis.checks,
      summary: incidentSummary(diagnosis),
      diagnosis,
      seenAt: job.finishedAt ?? job.createdAt,
    });
    const { created } = store.occurrences.addOccurrence({
      incidentId: incident.id,
      projectId: job.pipeline.projectId,
      pipelineId: job.pipeline.id,
      jobId: job.id,
      jobName: job.name,
      jobUrl: job.webUrl,
      pipelineUrl:
        job.pipeline.webUrl ??
        job.webUrl.replace(/\/-\/jobs\/\d+$/, `/-/pipelines/${job.pipeline.id}`),
      ref: job.pipeline.ref,
      sha: job.pipeline.sha,
      mrIid: target.mrIid ?? null,
      failedAt: job.finishedAt ?? job.createdAt,
    });
    const event = before && created ? failureEvent(before.status) : undefined;
    const failedAt = job.finishedAt ?? job.createdAt;
    // A job that failed before the fix (processed late) does not say the fix failed.
    const beforeFix =
      event === 'recurred' && Date.parse(failedAt) <= Date.parse(before?.statusSince ?? '');
    if (!before || !event || beforeFix) return { incidentId: incident.id };
    const transition = store.lifecycle.moveIncident(incident.id, event, {
      jobId: job.id,
      jobName: job.name,
      jobUrl: job.webUrl,
      failedAt,
      since: before.statusSince,
    });
    return transition ? { incidentId: incident.id, transition } : { incidentId: incident.id };
  });
}

export function incidentSummary(d: Diagnosis): string {
  const where = d.target ? ` (${d.target.path} ← ${d.project.path})` : ` (${d.project.path})`;
  return `${d.title}: ${d.verdict}${where}`;
}
