import { fact, type Diagnosis } from '../domain/diagnosis.js';
import type { Project } from '../gitlab/port.js';
import { findProject } from './common.js';
import { apiTarget, cleanUrl } from './gitlab-urls.js';
import { instancePath, resolveJobTokenAccess, type Target } from './job-token-access.js';
import { endpointTakesJobToken } from './job-token-endpoints.js';
import type { ResolveInput } from './types.js';

/**
 * A REST API call from the job refused with 401/403/404. B is the project in
 * the URL (`/projects/<id or path>/…`, which curl only shows on the command
 * line above its error). Besides the allowlist and the user's role, the
 * endpoint itself must take a job token on this GitLab version; when it does
 * not, no allowlist entry helps and the note says to use an access token.
 */
export async function resolveApiAccess(input: ResolveInput): Promise<Diagnosis> {
  const { gitlab, job, match } = input;
  const projectA = await gitlab.getProject(job.pipeline.projectId);
  const url = match.fields.url;
  const { target, rest } = await apiCallTarget(input, url, projectA);
  const endpoint =
    rest === undefined ? undefined : endpointTakesJobToken(rest, input.gitlabVersion);
  return resolveJobTokenAccess(input, {
    resource: { kind: 'api', name: url ? apiName(cleanUrl(url)) : 'the GitLab API' },
    target,
    userNeeds: 'read it through the API',
    logNames: {
      ...(match.fields.sourceProject ? { source: match.fields.sourceProject } : {}),
      ...(match.fields.project ? { target: match.fields.project } : {}),
    },
    ...(endpoint && !endpoint.accepted ? { tokenUnusable: endpoint.detail } : {}),
  });
}

export async function apiCallTarget(
  input: ResolveInput,
  url: string | undefined,
  projectA: Project,
): Promise<{ target: Target; rest?: string }> {
  if (!url) {
    return {
      target: {
        kind: 'unknown',
        missing: fact`The log does not show which API URL the job called.`,
      },
    };
  }
  const where = instancePath(input, url, projectA);
  if ('target' in where) return { target: where.target };
  const api = apiTarget(where.path);
  if (api?.kind === 'variable') {
    if (/^\$\{?CI_PROJECT_(?:ID|PATH)\}?$/.test(api.variable)) {
      return {
        target: {
          kind: 'found',
          named: projectA.pathWithNamespace,
          project: projectA,
          how: () => fact`The URL names the job’s own project.`,
        },
        rest: api.rest,
      };
    }
    return {
      target: {
        kind: 'unknown',
        missing: fact`The URL names the project with ${api.variable}, whose value the log does not show.`,
      },
    };
  }
  if (api?.kind !== 'project') {
    return {
      target: {
        kind: 'unknown',
        missing: fact`${cleanUrl(url)} does not address a single project.`,
      },
    };
  }
  const project = await findProject(input.gitlab, api.id);
  if (!project) return { target: { kind: 'not-found', path: String(api.id) } };
  return {
    target: {
      kind: 'found',
      named: String(api.id),
      project,
      how: (name) => fact`The API URL names project ${name}.`,
    },
    rest: api.rest,
  };
}

/** The API path as people write it: without the host, variables kept. */
export function apiName(url: string): string {
  const at = url.indexOf('/api/v4/');
  if (at !== -1) return url.slice(at);
  return url.replace(/^\$\{?CI_API_V4_URL\}?/, '/api/v4');
}
