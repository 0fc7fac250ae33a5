import { isNoteworthy, type Diagnosis } from '../domain/diagnosis.js';
import type { GitlabUser, Job } from '../gitlab/port.js';
import type { PipelineDeps } from './deps.js';
import { diagnoseJob } from './diagnose/diagnose-job.js';
import { recordIncident } from './diagnose/record.js';
import { publishNote, refreshNotes } from './publish/note.js';
import { findNoteTarget } from './publish/target.js';
import type { PublishResult } from './publish/upsert.js';

export interface JobOutcome {
  jobId: number;
  status: 'noted' | 'recorded' | 'unclassified' | 'skipped';
  patternId?: string;
  verdict?: string;
  incidentId?: number;
  note?: PublishResult;
}

/** Diagnoses one failed job: log → pattern → GitLab checks → incident → note. */
export async function processJob(
  deps: PipelineDeps,
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
  deps: PipelineDeps,
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
  const { incidentId, transition } = recordIncident(store, diagnosis, job, target);
  log.info({ patternId: diagnosis.patternId, verdict: diagnosis.verdict, incidentId }, 'diagnosed');
  if (transition) {
    log.info({ incidentId, event: transition.event, status: transition.to }, 'incident moved');
  }

  const outcome: JobOutcome = {
    jobId: job.id,
    status: 'recorded',
    patternId: diagnosis.patternId,
    verdict: diagnosis.verdict,
    incidentId,
  };
  if (!isNoteworthy(diagnosis)) return outcome;

  const note = await publishNote(deps, target, bot);
  // Notes elsewhere that still say "Fixed." for this cause.
  if (transition) await refreshNotes(deps, [incidentId], bot);
  if (!note) return outcome;
  log.info({ incidentId, noteAction: note.action, mrIid: target.mrIid }, 'note published');
  return { ...outcome, status: 'noted', note };
}
