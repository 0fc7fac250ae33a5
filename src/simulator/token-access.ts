/**
 * What GitLab answers when a job uses its CI_JOB_TOKEN for something other than an image pull:
 * a git clone, a package download, a `needs:project` artifact download or a REST API call.
 * Each decision applies the inbound allowlist of the target (`jobTokenAllows`) and the rights
 * of the user who started the job, in GitLab's order, and carries GitLab's status and message
 * for the version being simulated.
 */
import type { AccessView } from './rules.js';
import {
  ACCESS,
  canReadProject,
  hasProjectAccess,
  isAdmin,
  jobTokenAllows,
  versionAtLeast,
} from './rules.js';
import type { Package, Project } from './types.js';

/** Why a job token request was refused. */
export type TokenDenialReason =
  | 'no-project'
  | 'job-token-scope'
  | 'user-access'
  | 'not-found'
  /** The endpoint does not accept job tokens at all on this version. */
  | 'token-not-accepted';

export type TokenDecision =
  | { ok: true; target: Project }
  | {
      ok: false;
      reason: TokenDenialReason;
      /** HTTP status GitLab answers. */
      status: number;
      /** GitLab's message (`remote:` line for git, the JSON `message` for the API). */
      message: string;
      target?: Project;
    };

/** The slice of the world token decisions read. */
export interface TokenView extends AccessView {
  readonly version: string;
  projectByPath(fullPath: string): Project | undefined;
}

/** What the request needs in the target: its code, its packages, its jobs, or the API. */
export type TokenNeed = 'code' | 'package' | 'build' | 'api';

export const PROJECT_NOT_FOUND_GIT =
  "The project you were looking for could not be found or you don't have permission to view it.";

/** Since 17.4 GitLab names the job token allowlist in its refusals (MRs !161795, !163211). */
export function namesAllowlist(view: TokenView): boolean {
  return versionAtLeast(view.version, '17.4.0');
}

/** `Authentication by CI/CD job token not allowed from <a> to <b>.` (short paths, as GitLab). */
export function notAllowedMessage(source: Project, target: Project): string {
  return `Authentication by CI/CD job token not allowed from ${source.path} to ${target.path}.`;
}

type Access = 'ok' | 'job-token-scope' | 'no-role' | 'guest';

/**
 * The allowlist first (GitLab's `read_project` for a job token includes it), then the user's
 * role. Public projects are readable by anyone; internal ones by any signed-in user.
 */
function tokenAccess(view: TokenView, sourceId: number, userId: number, target: Project): Access {
  if (sourceId === target.id || target.visibility === 'public') return 'ok';
  const source = view.project(sourceId);
  if (!source || !jobTokenAllows(view, source, target)) return 'job-token-scope';
  if (target.visibility === 'internal' || isAdmin(view, userId)) return 'ok';
  if (hasProjectAccess(view, userId, target, ACCESS.reporter)) return 'ok';
  return canReadProject(view, userId, target) ? 'guest' : 'no-role';
}

/** `git clone`/`fetch` over HTTPS with `gitlab-ci-token:<job token>` (`Gitlab::GitAccess`). */
export function evaluateGitAccess(
  view: TokenView,
  request: { sourceProjectId: number; userId: number; targetPath: string },
): TokenDecision {
  const target = view.projectByPath(request.targetPath);
  if (!target) {
    return { ok: false, reason: 'no-project', status: 404, message: PROJECT_NOT_FOUND_GIT };
  }
  const access = tokenAccess(view, request.sourceProjectId, request.userId, target);
  if (access === 'ok') return { ok: true, target };
  const source = view.project(request.sourceProjectId) as Project;
  if (access === 'guest') {
    return {
      ok: false,
      reason: 'user-access',
      status: 403,
      message: 'You are not allowed to download code from this project.',
      target,
    };
  }
  const reason = access === 'job-token-scope' ? 'job-token-scope' : 'user-access';
  if (!namesAllowlist(view)) {
    return { ok: false, reason, status: 404, message: PROJECT_NOT_FOUND_GIT, target };
  }
  return {
    ok: false,
    reason,
    status: 403,
    message:
      reason === 'job-token-scope'
        ? notAllowedMessage(source, target)
        : `Insufficient permissions to pull from the repository of project ${target.path}.`,
    target,
  };
}

/**
 * A REST API request authenticated with the job token on `target` (`find_project!` and
 * `handle_job_token_failure!`): 404 hides projects the caller may not see; from 17.4 an
 * allowlist refusal is a 403 that says so.
 */
export function evaluateApiAccess(
  view: TokenView,
  request: { sourceProjectId: number; userId: number; target: Project | undefined },
): TokenDecision {
  const { target } = request;
  const projectNotFound = { status: 404, message: '404 Project Not Found' };
  if (!target) return { ok: false, reason: 'no-project', ...projectNotFound };
  const access = tokenAccess(view, request.sourceProjectId, request.userId, target);
  if (access === 'ok') return { ok: true, target };
  if (access === 'job-token-scope') {
    const source = view.project(request.sourceProjectId) as Project;
    return namesAllowlist(view)
      ? {
          ok: false,
          reason: 'job-token-scope',
          status: 403,
          message: `403 Forbidden - ${notAllowedMessage(source, target)}`,
          target,
        }
      : { ok: false, reason: 'job-token-scope', ...projectNotFound, target };
  }
  return access === 'guest'
    ? { ok: false, reason: 'user-access', status: 403, message: '403 Forbidden', target }
    : { ok: false, reason: 'user-access', ...projectNotFound, target };
}

/** Project-level npm endpoint (`/projects/:id/packages/npm/*name`). */
export function evaluateProjectNpm(
  view: TokenView,
  request: { sourceProjectId: number; userId: number; target: Project | undefined; name: string },
): TokenDecision & { package?: Package } {
  const decision = evaluateApiAccess(view, request);
  if (!decision.ok) return decision;
  const pkg = newestPackage(decision.target.packages, request.name);
  if (!pkg) {
    return {
      ok: false,
      reason: 'not-found',
      status: 404,
      message: '404 Package Not Found',
      target: decision.target,
    };
  }
  return { ...decision, package: pkg };
}

/**
 * Instance-level npm endpoint (`/packages/npm/@scope%2fname`): GitLab looks the package up in
 * the projects below the top-level group named like the scope, then authorizes that project;
 * a refusal there is a plain 403 (see the GitLab 18 forum report in corpus 033).
 */
export function evaluateInstanceNpm(
  view: TokenView,
  request: { sourceProjectId: number; userId: number; name: string },
): TokenDecision & { package?: Package } {
  const scope = /^@(?<scope>[^/]+)\//.exec(request.name)?.groups?.scope?.toLowerCase();
  const candidates = view.projects.filter(
    (p) => scope !== undefined && p.pathWithNamespace.toLowerCase().startsWith(`${scope}/`),
  );
  const owner = candidates.find((p) => newestPackage(p.packages, request.name));
  if (!owner) {
    return { ok: false, reason: 'not-found', status: 404, message: '404 Not Found' };
  }
  const access = tokenAccess(view, request.sourceProjectId, request.userId, owner);
  if (access !== 'ok') {
    return {
      ok: false,
      reason: access === 'job-token-scope' ? 'job-token-scope' : 'user-access',
      status: 403,
      message: '403 Forbidden',
      target: owner,
    };
  }
  return { ok: true, target: owner, package: newestPackage(owner.packages, request.name) };
}

/**
 * The runner's `GET /jobs/:id/artifacts` for a `needs:project` dependency: the job token must
 * pass the producing project's allowlist and the user must be able to read its jobs.
 */
export function evaluateArtifactsAccess(
  view: TokenView,
  request: { sourceProjectId: number; userId: number; target: Project },
): TokenDecision {
  const access = tokenAccess(view, request.sourceProjectId, request.userId, request.target);
  if (access === 'ok') return { ok: true, target: request.target };
  return {
    ok: false,
    reason: access === 'job-token-scope' ? 'job-token-scope' : 'user-access',
    status: 403,
    message: '403 Forbidden',
    target: request.target,
  };
}

function newestPackage(packages: readonly Package[], name: string): Package | undefined {
  const wanted = name.toLowerCase();
  return [...packages].reverse().find((p) => p.name.toLowerCase() === wanted);
}

/**
 * Project API endpoints that accept a job token, and from which version. Anything else
 * ignores the `JOB-TOKEN` header (the request is anonymous). GitLab 18 opened read-only
 * repository, merge request and tag endpoints (fact sheet §3.5; exact version unverified).
 */
const TOKEN_ENDPOINTS: readonly { pattern: RegExp; since: string }[] = [
  { pattern: /^releases(?:\/|$)/, since: '15.9.0' },
  { pattern: /^packages(?:\/|$)/, since: '15.9.0' },
  { pattern: /^deployments(?:\/|$)/, since: '15.9.0' },
  { pattern: /^environments(?:\/|$)/, since: '15.9.0' },
  { pattern: /^jobs\/(?:artifacts\/|\d+\/artifacts)/, since: '15.9.0' },
  { pattern: /^repository\/(?:files|branches|commits|tags)(?:\/|$)/, since: '18.0.0' },
  { pattern: /^merge_requests(?:\/|$)/, since: '18.0.0' },
];

export function endpointAcceptsJobToken(view: TokenView, endpoint: string): boolean {
  const path = endpoint.replace(/^\/+/, '').split('?')[0] ?? '';
  return TOKEN_ENDPOINTS.some((e) => e.pattern.test(path) && versionAtLeast(view.version, e.since));
}
