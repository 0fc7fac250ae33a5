import { fact, type Diagnosis } from '../domain/diagnosis.js';
import { findProject } from './common.js';
import { cleanUrl, repositoryPath } from './gitlab-urls.js';
import { instancePath, resolveJobTokenAccess, type Target } from './job-token-access.js';
import { linesAfterMatch } from './log-lines.js';
import type { ResolveInput } from './types.js';

/** git's lines that carry the URL it was refused on. */
const URL_LINE =
  /(?:unable to access|repository|Authentication failed for|clone of) '(?<url>[^'\s]{1,500})'/;

/**
 * A git clone, fetch or submodule update refused by GitLab. B is the project
 * the clone URL names; the URL comes from the pattern's fields, or from git's
 * `fatal:` line right after GitLab's `remote:` message.
 */
export async function resolveRepoAccess(input: ResolveInput): Promise<Diagnosis> {
  const { gitlab, job, match } = input;
  const projectA = await gitlab.getProject(job.pipeline.projectId);
  // After GitLab's `remote:` message git names the exact URL; a URL found on
  // an earlier line may be another submodule's.
  let url: string | undefined;
  if (match.text.startsWith('remote:') || !match.fields.url) {
    for (const line of await linesAfterMatch(input, 6)) {
      url = URL_LINE.exec(line)?.groups?.url;
      if (url) break;
    }
  }
  url ??= match.fields.url;
  const target = await repositoryTarget(input, url, projectA);
  const name = url ? cleanUrl(url) : (match.fields.project ?? 'the repository');
  return resolveJobTokenAccess(input, {
    resource: { kind: 'repository', name },
    target,
    userNeeds: 'clone its repository',
    logNames: {
      ...(match.fields.sourceProject ? { source: match.fields.sourceProject } : {}),
      ...(match.fields.project ? { target: match.fields.project } : {}),
    },
  });
}

async function repositoryTarget(
  input: ResolveInput,
  url: string | undefined,
  projectA: { webUrl: string; pathWithNamespace: string },
): Promise<Target> {
  if (!url) {
    return {
      kind: 'unknown',
      missing: fact`The log does not show the URL of the repository that was refused.`,
    };
  }
  const where = instancePath(input, url, projectA);
  if ('target' in where) return where.target;
  const path = repositoryPath(where.path);
  if (!path) {
    return { kind: 'unknown', missing: fact`${cleanUrl(url)} does not name a project.` };
  }
  const project = await findProject(input.gitlab, path);
  if (!project) return { kind: 'not-found', path };
  return {
    kind: 'found',
    named: path,
    project,
    how: (name) => fact`The repository ${cleanUrl(url)} belongs to project ${name}.`,
  };
}
