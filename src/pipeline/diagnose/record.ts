import type { Diagnosis } from '../../domain/diagnosis.js';
import type { Job } from '../../gitlab/port.js';
import type { Store } from '../../store/index.js';
import type { NoteTarget } from '../publish/target.js';

/** One incident per root cause; this job becomes one more occurrence of it. */
export function recordIncident(
  store: Store,
  diagnosis: Diagnosis,
  job: Job,
  target: NoteTarget,
): number {
  return store.transaction(() => {
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
    store.occurrences.addOccurrence({
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
    return incident.id;
  });
}

export function incidentSummary(d: Diagnosis): string {
  const where = d.target ? ` (${d.target.path} ← ${d.project.path})` : ` (${d.project.path})`;
  return `${d.title}: ${d.verdict}${where}`;
}
