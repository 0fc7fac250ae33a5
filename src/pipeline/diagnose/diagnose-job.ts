import type { Diagnosis } from '../../domain/diagnosis.js';
import type { Job } from '../../gitlab/port.js';
import { classify } from '../../patterns/classify.js';
import { maskSecrets } from '../../domain/secrets.js';
import { resolve } from '../../resolve/index.js';
import type { PipelineDeps } from '../deps.js';

/**
 * Reads a job's log, classifies it and verifies the cause with GitLab.
 * Reads only; undefined when no pattern matches.
 */
export async function diagnoseJob(
  deps: Pick<PipelineDeps, 'gitlab' | 'library' | 'now' | 'maxLogBytes' | 'secrets'>,
  job: Job,
  gitlabVersion: string | undefined,
): Promise<Diagnosis | undefined> {
  const trace = await deps.gitlab.getJobLog(job.pipeline.projectId, job.id, deps.maxLogBytes);
  const { diagnosis: match } = classify(trace, deps.library, { failureReason: job.failureReason });
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
    log: trace,
    secrets: deps.secrets,
    now: deps.now,
    ...(gitlabVersion ? { gitlabVersion } : {}),
  });
}
