/**
 * CI/CD job token scope REST API (`lib/api/project_job_token_scope.rb`): 16.0+ for the
 * settings and project allowlist, 17.0+ for the group allowlist. Older versions answer with
 * Grape's route-not-found 404, which is how clients feature-detect.
 */
import { groupBasic, projectBasic } from '../entities.js';
import type { ApiResponse, RequestContext } from '../http.js';
import {
  ApiError,
  badRequest,
  integerParam,
  invalidParam,
  notFound,
  ok,
  queryBool,
} from '../http.js';
import { paginate } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import {
  ACCESS,
  canReadGroup,
  canReadProject,
  hasProjectAccess,
  inboundScopeEnforced,
} from '../rules.js';
import type { Group, Project } from '../types.js';
import { authorize, findProject, requireVersion } from './common.js';

/** Allowlist entries per project, projects and groups together (GitLab's link limit). */
export const ALLOWLIST_LIMIT = 200;

const TARGET_PROJECT_UNREADABLE =
  "The target_project that you are attempting to access does not exist or you don't have permission to perform this action";
const TARGET_GROUP_UNREADABLE =
  "The target_group that you are attempting to access does not exist or you don't have permission to perform this action";
const INSUFFICIENT = 'Insufficient permissions to modify the job token scope';

/** Grape validates declared params before anything else and reports all failures at once. */
function validateIntegers(
  ctx: RequestContext,
  names: { name: string; from: 'path' | 'body' }[],
): void {
  const errors: string[] = [];
  for (const { name, from } of names) {
    const value = from === 'path' ? ctx.params[name] : ctx.body[name];
    if (value === undefined || value === null || value === '') errors.push(`${name} is missing`);
    else if (!(typeof value === 'number' ? Number.isInteger(value) : /^\d+$/.test(String(value)))) {
      errors.push(`${name} is invalid`);
    }
  }
  if (errors.length) throw invalidParam(errors.join(', '));
}

function adminProject(ctx: RequestContext): Project {
  const project = findProject(ctx);
  authorize(hasProjectAccess(ctx.world, ctx.user.id, project, ACCESS.maintainer));
  return project;
}

function linkCount(project: Project): number {
  return project.jobTokenAllowlist.projectIds.length + project.jobTokenAllowlist.groupIds.length;
}

/** `forbidden!(reason)` renders as `403 Forbidden - <reason>`. */
function forbiddenBecause(reason: string): ApiError {
  return new ApiError(403, { message: `403 Forbidden - ${reason}` });
}

function addProject(ctx: RequestContext): ApiResponse {
  requireVersion(ctx, '16.0.0');
  validateIntegers(ctx, [
    { name: 'id', from: 'path' },
    { name: 'target_project_id', from: 'body' },
  ]);
  const project = adminProject(ctx);
  const targetId = integerParam(ctx.body, 'target_project_id', true);
  const target = ctx.world.project(targetId);
  if (!target) throw notFound('target_project_id not found');
  if (!canReadProject(ctx.world, ctx.user.id, target)) throw badRequest(TARGET_PROJECT_UNREADABLE);
  if (target.id === project.id) {
    throw badRequest("Validation failed: Target project can't be the same as the source project");
  }
  if (project.jobTokenAllowlist.projectIds.includes(target.id)) {
    throw badRequest('Target project is already in the job token scope');
  }
  if (linkCount(project) >= ALLOWLIST_LIMIT) {
    throw badRequest(
      `Validation failed: Source project exceeds the allowable number of project links`,
    );
  }
  ctx.world.allowlistProject(project.id, target.id);
  return ok({ source_project_id: project.id, target_project_id: target.id }, 201);
}

function removeProject(ctx: RequestContext): ApiResponse {
  requireVersion(ctx, '16.0.0');
  validateIntegers(ctx, [
    { name: 'id', from: 'path' },
    { name: 'target_project_id', from: 'path' },
  ]);
  const project = findProject(ctx);
  const target = ctx.world.project(Number(ctx.params.target_project_id));
  if (!target) throw notFound('Project');
  if (!hasProjectAccess(ctx.world, ctx.user.id, project, ACCESS.maintainer)) {
    throw forbiddenBecause(INSUFFICIENT);
  }
  if (!canReadProject(ctx.world, ctx.user.id, target)) {
    throw forbiddenBecause(TARGET_PROJECT_UNREADABLE);
  }
  if (target.id === project.id) {
    throw badRequest('Source project cannot be removed from the job token scope');
  }
  const list = project.jobTokenAllowlist.projectIds;
  if (!list.includes(target.id)) throw badRequest('Target project is not in the job token scope');
  list.splice(list.indexOf(target.id), 1);
  return { status: 204 };
}

function addGroup(ctx: RequestContext): ApiResponse {
  requireVersion(ctx, '17.0.0');
  validateIntegers(ctx, [
    { name: 'id', from: 'path' },
    { name: 'target_group_id', from: 'body' },
  ]);
  const project = adminProject(ctx);
  const group: Group | undefined = ctx.world.group(integerParam(ctx.body, 'target_group_id', true));
  if (!group) throw notFound('target_group_id not found');
  if (!canReadGroup(ctx.world, ctx.user.id, group)) throw badRequest(TARGET_GROUP_UNREADABLE);
  if (project.jobTokenAllowlist.groupIds.includes(group.id)) {
    throw badRequest('Target group is already in the job token scope');
  }
  if (linkCount(project) >= ALLOWLIST_LIMIT) {
    throw badRequest(
      `Validation failed: Source project exceeds the allowable number of group links`,
    );
  }
  ctx.world.allowlistGroup(project.id, group.id);
  return ok({ source_project_id: project.id, target_group_id: group.id }, 201);
}

function removeGroup(ctx: RequestContext): ApiResponse {
  requireVersion(ctx, '17.0.0');
  validateIntegers(ctx, [
    { name: 'id', from: 'path' },
    { name: 'target_group_id', from: 'path' },
  ]);
  const project = findProject(ctx);
  const group = ctx.world.group(Number(ctx.params.target_group_id));
  if (!group) throw notFound('target_group_id not found');
  if (!hasProjectAccess(ctx.world, ctx.user.id, project, ACCESS.maintainer)) {
    throw forbiddenBecause(INSUFFICIENT);
  }
  const list = project.jobTokenAllowlist.groupIds;
  if (!list.includes(group.id)) throw badRequest('Target group is not in the job token scope');
  list.splice(list.indexOf(group.id), 1);
  return { status: 204 };
}

/** Job token scope routes. */
export function jobTokenScopeRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/job_token_scope', (ctx) => {
      requireVersion(ctx, '16.0.0');
      const project = adminProject(ctx);
      return ok({
        inbound_enabled: inboundScopeEnforced(ctx.world, project),
        outbound_enabled: false,
      });
    }),
    route('PATCH', '/projects/:id/job_token_scope', (ctx) => {
      requireVersion(ctx, '16.0.0');
      const enabled = queryBool(ctx.body, 'enabled');
      if (enabled === undefined) throw invalidParam('enabled is missing');
      const project = adminProject(ctx);
      // With the 18.0 admin enforcement on, turning it off has no effect (GET still says true).
      project.inboundJobTokenScope = enabled;
      return { status: 204 };
    }),
    route('GET', '/projects/:id/job_token_scope/allowlist', (ctx) => {
      requireVersion(ctx, '16.0.0');
      const project = adminProject(ctx);
      const targets = project.jobTokenAllowlist.projectIds.flatMap((id) => {
        const p = ctx.world.project(id);
        return p ? [p] : [];
      });
      const page = paginate(targets, ctx);
      return ok(
        page.items.map((p) => projectBasic(ctx.world, p)),
        200,
        page.headers,
      );
    }),
    route('POST', '/projects/:id/job_token_scope/allowlist', addProject),
    route('DELETE', '/projects/:id/job_token_scope/allowlist/:target_project_id', removeProject),
    route('GET', '/projects/:id/job_token_scope/groups_allowlist', (ctx) => {
      requireVersion(ctx, '17.0.0');
      const project = adminProject(ctx);
      const groups = project.jobTokenAllowlist.groupIds.flatMap((id) => {
        const g = ctx.world.group(id);
        return g ? [g] : [];
      });
      const page = paginate(groups, ctx);
      return ok(
        page.items.map((g) => groupBasic(ctx.world, g)),
        200,
        page.headers,
      );
    }),
    route('POST', '/projects/:id/job_token_scope/groups_allowlist', addGroup),
    route('DELETE', '/projects/:id/job_token_scope/groups_allowlist/:target_group_id', removeGroup),
  ];
}
