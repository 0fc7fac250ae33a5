import { parse } from 'yaml';
import { fact, type Diagnosis } from '../domain/diagnosis.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, Job, Project } from '../gitlab/port.js';
import { findProject, type Recorder } from './common.js';
import { apiTarget, cleanUrl } from './gitlab-urls.js';
import { instancePath, resolveJobTokenAccess, type Target } from './job-token-access.js';
import type { ResolveInput } from './types.js';

/**
 * Artifacts of another job that the runner (needs:project) or a script (the
 * job artifacts API) could not download. The runner's line names only the
 * producing job's id, so B comes from, in order: the API URL of a script; the
 * job's pipeline config (`needs:project`), when the port can read files.
 * Never from a search: the note must not name a project the log did not.
 */
export async function resolveArtifactsAccess(input: ResolveInput): Promise<Diagnosis> {
  const { gitlab, job, match } = input;
  const projectA = await gitlab.getProject(job.pipeline.projectId);
  const jobId = match.fields.jobId ? Number(match.fields.jobId) : undefined;
  const jobName = match.fields.jobName;
  let producer: Job | undefined;
  let target: Target;
  if (match.fields.url) {
    target = await urlTarget(input, match.fields.url, projectA);
  } else if (jobId !== undefined) {
    const found = await producerOf(gitlab, job, jobId, jobName);
    producer = found.job;
    target = found.target;
  } else {
    target = {
      kind: 'unknown',
      missing: fact`The log names neither the job whose artifacts were refused nor a URL.`,
    };
  }
  const name = match.fields.url
    ? cleanUrl(match.fields.url)
    : `${jobName ?? producer?.name ?? 'job'} (job ${jobId ?? '?'})`;
  return resolveJobTokenAccess(input, {
    resource: { kind: 'artifacts', name },
    target,
    userNeeds: 'read its jobs and artifacts',
    ...(producer
      ? {
          resourceCheck: async (b: Project, check: Recorder) => {
            const ok = producer.status === 'success';
            check(
              'artifacts',
              ok ? 'pass' : 'fail',
              ok
                ? fact`Job ${producer.id} (${producer.name}) of ${b.pathWithNamespace} succeeded, so it has artifacts to give.`
                : fact`Job ${producer.id} (${producer.name}) of ${b.pathWithNamespace} ended ${producer.status}, so it may have no artifacts.`,
            );
            return ok ? 'pass' : 'fail';
          },
        }
      : {}),
  });
}

async function urlTarget(input: ResolveInput, url: string, projectA: Project): Promise<Target> {
  const where = instancePath(input, url, projectA);
  if ('target' in where) return where.target;
  const api = apiTarget(where.path);
  if (api?.kind === 'variable') {
    if (/^\$\{?CI_PROJECT_(?:ID|PATH)\}?$/.test(api.variable)) {
      return {
        kind: 'found',
        named: projectA.pathWithNamespace,
        project: projectA,
        how: () => fact`The URL names the job’s own project.`,
      };
    }
    return {
      kind: 'unknown',
      missing: fact`The URL names the project with ${api.variable}, whose value the log does not show.`,
    };
  }
  if (api?.kind !== 'project') {
    return { kind: 'unknown', missing: fact`${cleanUrl(url)} does not name a project.` };
  }
  const project = await findProject(input.gitlab, api.id);
  if (!project) return { kind: 'not-found', path: String(api.id) };
  return {
    kind: 'found',
    named: String(api.id),
    project,
    how: (name) => fact`The URL names project ${name}.`,
  };
}

async function producerOf(
  gitlab: GitlabPort,
  job: Job,
  jobId: number,
  jobName: string | undefined,
): Promise<{ target: Target; job?: Job }> {
  const fromConfig = await needsProjectOf(gitlab, job, jobName);
  if (!fromConfig) {
    // Only a project the job's own configuration names: searching the bot's
    // projects for the job id would name a project the log never named.
    return {
      target: {
        kind: 'unknown',
        missing: jobName
          ? fact`The log names only job ${jobId} (${jobName}), not its project, and the job's needs:project could not be read from its .gitlab-ci.yml.`
          : fact`The log names only job ${jobId}, not its project, and the job's needs:project could not be read from its .gitlab-ci.yml.`,
      },
    };
  }
  const project = await findProject(gitlab, fromConfig);
  if (!project) return { target: { kind: 'not-found', path: fromConfig } };
  const producer = await jobIn(gitlab, project.id, jobId);
  return {
    target: {
      kind: 'found',
      named: fromConfig,
      project,
      how: (name) =>
        producer
          ? fact`The job's needs:project names ${name}, which ran job ${jobId}.`
          : fact`The job's needs:project names ${name}.`,
    },
    ...(producer ? { job: producer } : {}),
  };
}

async function jobIn(
  gitlab: GitlabPort,
  projectId: number,
  jobId: number,
): Promise<Job | undefined> {
  try {
    return await gitlab.getJob(projectId, jobId);
  } catch (error) {
    if (error instanceof GitlabNotFoundError || error instanceof GitlabAuthError) return undefined;
    throw error;
  }
}

/**
 * The `needs:project` path of the failed job in its pipeline's `.gitlab-ci.yml`
 * (only when the port can read repository files). With several, the one whose
 * job the runner named; paths with variables cannot be used.
 */
async function needsProjectOf(
  gitlab: GitlabPort,
  job: Job,
  jobName: string | undefined,
): Promise<string | undefined> {
  let text: string;
  try {
    text = await gitlab.getRawFile(job.pipeline.projectId, '.gitlab-ci.yml', job.pipeline.sha);
  } catch (error) {
    if (error instanceof GitlabNotFoundError || error instanceof GitlabAuthError) return undefined;
    throw error;
  }
  let config: unknown;
  try {
    config = parse(text);
  } catch {
    return undefined;
  }
  const definition = (config as Record<string, unknown> | null)?.[job.name];
  const needs = (definition as { needs?: unknown } | undefined)?.needs;
  if (!Array.isArray(needs)) return undefined;
  const cross = needs.filter(
    (n): n is { project: string; job?: string } =>
      typeof n === 'object' &&
      n !== null &&
      typeof (n as { project?: unknown }).project === 'string',
  );
  const chosen =
    (jobName ? cross.find((n) => n.job === jobName) : undefined) ??
    (cross.length === 1 ? cross[0] : undefined);
  return chosen && !chosen.project.includes('$') ? chosen.project : undefined;
}
