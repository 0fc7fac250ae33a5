import { parse } from 'yaml';
import type { Diagnosis } from '../domain/diagnosis.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, Job, Project } from '../gitlab/port.js';
import { findProject, type Recorder } from './common.js';
import { apiTarget, cleanUrl, instanceOf, locate } from './gitlab-urls.js';
import { resolveJobTokenAccess, type Target } from './job-token-access.js';
import type { ResolveInput } from './types.js';

/** How many of the bot's projects it asks for the producing job before giving up. */
const MAX_PROJECTS_SEARCHED = 50;

/**
 * Artifacts of another job that the runner (needs:project) or a script (the
 * job artifacts API) could not download. The runner's line names only the
 * producing job's id, so B comes from, in order: the API URL of a script; the
 * job's pipeline config (`needs:project`), when the port can read files; the
 * projects the bot can read that have a job with that id.
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
    const found = await producerOf(gitlab, job, projectA, jobId, jobName);
    producer = found.job;
    target = found.target;
  } else {
    target = {
      kind: 'unknown',
      missing: 'The log names neither the job whose artifacts were refused nor a URL.',
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
                ? `Job ${producer.id} (${producer.name}) of ${b.pathWithNamespace} succeeded, so it has artifacts to give.`
                : `Job ${producer.id} (${producer.name}) of ${b.pathWithNamespace} ended ${producer.status}, so it may have no artifacts.`,
            );
            return ok ? 'pass' : 'fail';
          },
        }
      : {}),
  });
}

async function urlTarget(input: ResolveInput, url: string, projectA: Project): Promise<Target> {
  const where = locate(url, instanceOf(projectA, input.gitlab.baseUrl));
  if (where.on === 'other-host') return { kind: 'other-host', host: where.host };
  if (where.on === 'unknown') {
    return { kind: 'unknown', missing: `Cannot tell the project: ${where.why}.` };
  }
  const api = apiTarget(where.path);
  if (api?.kind === 'variable') {
    if (/^\$\{?CI_PROJECT_(?:ID|PATH)\}?$/.test(api.variable)) {
      return { kind: 'found', project: projectA, how: 'The URL names the job’s own project.' };
    }
    return {
      kind: 'unknown',
      missing: `The URL names the project with ${api.variable}, whose value the log does not show.`,
    };
  }
  if (api?.kind !== 'project') {
    return { kind: 'unknown', missing: `${cleanUrl(url)} does not name a project.` };
  }
  const project = await findProject(input.gitlab, api.id);
  if (!project) return { kind: 'not-found', path: String(api.id) };
  return { kind: 'found', project, how: `The URL names project ${project.pathWithNamespace}.` };
}

async function producerOf(
  gitlab: GitlabPort,
  job: Job,
  projectA: Project,
  jobId: number,
  jobName: string | undefined,
): Promise<{ target: Target; job?: Job }> {
  const fromConfig = await needsProjectOf(gitlab, job, jobName);
  if (fromConfig) {
    const project = await findProject(gitlab, fromConfig);
    if (!project) return { target: { kind: 'not-found', path: fromConfig } };
    const producer = await jobIn(gitlab, project.id, jobId);
    return {
      target: {
        kind: 'found',
        project,
        how: `The job's needs:project names ${project.pathWithNamespace}${producer ? `, which ran job ${jobId}` : ''}.`,
      },
      ...(producer ? { job: producer } : {}),
    };
  }
  let candidates: { id: number; pathWithNamespace: string }[] = [];
  try {
    candidates = await gitlab.listMemberProjects();
  } catch (error) {
    if (!(error instanceof GitlabAuthError)) throw error;
  }
  // needs:project reaches into other projects, most often of the same top
  // group; the job's own project comes last.
  const top = `${projectA.pathWithNamespace.split('/')[0] ?? ''}/`.toLowerCase();
  const others = candidates
    .filter((p) => p.id !== projectA.id)
    .sort(
      (x, y) =>
        Number(!x.pathWithNamespace.toLowerCase().startsWith(top)) -
        Number(!y.pathWithNamespace.toLowerCase().startsWith(top)),
    )
    .slice(0, MAX_PROJECTS_SEARCHED);
  for (const candidate of [
    ...others,
    { id: projectA.id, pathWithNamespace: projectA.pathWithNamespace },
  ]) {
    const producer = await jobIn(gitlab, candidate.id, jobId);
    if (!producer) continue;
    const project = await findProject(gitlab, candidate.id);
    if (!project) continue;
    return {
      target: {
        kind: 'found',
        project,
        how: `The log names only job ${jobId}${jobName ? ` (${jobName})` : ''}; it ran in ${project.pathWithNamespace}.`,
      },
      job: producer,
    };
  }
  return {
    target: {
      kind: 'unknown',
      missing: `The log names only job ${jobId}${jobName ? ` (${jobName})` : ''}, not its project, and the job is in none of the ${others.length + 1} projects the bot can read. Give the bot the Reporter role in the project that runs it.`,
    },
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
