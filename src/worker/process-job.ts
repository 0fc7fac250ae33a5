import { isNoteworthy, type Diagnosis } from '../domain/diagnosis.js';
import type { GitlabPort, GitlabUser, Job } from '../gitlab/port.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { classify } from '../patterns/classify.js';
import type { PatternLibrary } from '../patterns/library.js';
import { maskSecrets } from '../domain/secrets.js';
import { resolve } from '../resolve/index.js';
import type { Store } from '../store/index.js';
import { publishNote } from './notes.js';
import { findNoteTarget, type NoteTarget, type PublishResult } from './publish.js';

export interface WorkerDeps {
  gitlab: GitlabPort;
  store: Store;
  library: PatternLibrary;
  logger: Logger;
  now: () => Date;
  /** The most of a job log read (head and tail are kept). */
  maxLogBytes: number;
  /** Values masked wherever log text is stored or shown (the bot's token). */
  secrets: readonly string[];
  /** Counts fixes applied (Prometheus). */
  metrics?: Pick<Metrics, 'fixApplied'>;
}

export interface JobOutcome {
  jobId: number;
  status: 'noted' | 'recorded' | 'unclassified' | 'skipped';
  patternId?: string;
  verdict?: string;
  incidentId?: number;
  note?: PublishResult;
}

/**
 * Reads a job's log, classifies it and verifies the cause with GitLab.
 * Reads only; undefined when no pattern matches.
 */
export async function diagnoseJob(
  deps: Pick<WorkerDeps, 'gitlab' | 'library' | 'now' | 'maxLogBytes' | 'secrets'>,
  job: Job,
  gitlabVersion: string | undefined,
): Promise<Diagnosis | undefined> {
  const trace = await deps.gitlab.getJobLog(job.pipeline.projectId, job.id, deps.maxLogBytes);
  const { diagnosis: match } = classify(trace, deps.library);
  if (!match) return undefined;
  const pattern = deps.library.byId.get(match.pattern);
  if (!pattern) throw new Error(`pattern ${match.pattern} vanished from the library`);
  // Log text is untrusted and may carry credentials: mask before it is stored or shown.
  match.text = maskSecrets(match.text, deps.secrets);
  for (const [name, value] of Object.entries(match.fields)) {
    match.fields[name] = maskSecrets(value, deps.secrets);
  }
  return resolve({
    gitlab: deps.gitlab,
    job,
    pattern,
    match,
    now: deps.now,
    ...(gitlabVersion ? { gitlabVersion } : {}),
  });
}

/** Diagnoses one failed job: log → pattern → GitLab checks → incident → note. */
export async function processJob(
  deps: WorkerDeps,
  job: Job,
  bot: GitlabUser,
  gitlabVersion: string | undefined,
): Promise<JobOutcome> {
  const log = deps.logger.child({
    projectId: job.pipeline.projectId,
    pipelineId: job.pipeline.id,
    jobId: job.id,
  });
  if (job.allowFailure) return { jobId: job.id, status: 'skipped' };

  const diagnosis = await diagnoseJob(deps, job, gitlabVersion);
  if (!diagnosis) {
    log.info('no known failure in the log');
    return { jobId: job.id, status: 'unclassified' };
  }
  return recordAndPublish(deps, job, diagnosis, bot);
}

/** Records the diagnosis as an occurrence of its incident and updates the note where it belongs. */
export async function recordAndPublish(
  deps: WorkerDeps,
  job: Job,
  diagnosis: Diagnosis,
  bot: GitlabUser,
): Promise<JobOutcome> {
  const { gitlab, store, logger } = deps;
  const log = logger.child({
    projectId: job.pipeline.projectId,
    pipelineId: job.pipeline.id,
    jobId: job.id,
  });
  const target = await findNoteTarget(gitlab, job);
  const incidentId = recordIncident(store, diagnosis, job, target);
  log.info({ patternId: diagnosis.patternId, verdict: diagnosis.verdict, incidentId }, 'diagnosed');

  const outcome: JobOutcome = {
    jobId: job.id,
    status: 'recorded',
    patternId: diagnosis.patternId,
    verdict: diagnosis.verdict,
    incidentId,
  };
  if (!isNoteworthy(diagnosis)) return outcome;

  const note = await publishNote(deps, target, bot);
  if (!note) return outcome;
  log.info({ incidentId, noteAction: note.action, mrIid: target.mrIid }, 'note published');
  return { ...outcome, status: 'noted', note };
}

/** One incident per root cause; this job becomes one more occurrence of it. */
function recordIncident(store: Store, diagnosis: Diagnosis, job: Job, target: NoteTarget): number {
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
