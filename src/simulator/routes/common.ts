/** Lookups shared by routes, with GitLab's "hide what you cannot see" 404s. */
import { ApiError, forbidden, notFound } from '../http.js';
import type { RequestContext } from '../http.js';
import { canReadGroup, canReadProject, versionAtLeast } from '../rules.js';
import type { Group, MergeRequest, Project } from '../types.js';

/** Resolves `:id` (numeric id or full path, case-insensitive) to a project the caller can see. */
export function findProject(ctx: RequestContext, param = 'id'): Project {
  const raw = ctx.params[param] ?? '';
  const project = /^\d+$/.test(raw) ? ctx.world.project(Number(raw)) : ctx.world.projectByPath(raw);
  if (!project || !canReadProject(ctx.world, ctx.user.id, project)) throw notFound('Project');
  return project;
}

/** Like `findProject`, but the route declares `:id` as Integer (a path is a 400). */
export function findProjectByNumericId(ctx: RequestContext): Project {
  if (!/^\d+$/.test(ctx.params.id ?? '')) throw new ApiError(400, { error: 'id is invalid' });
  return findProject(ctx);
}

/** Resolves `:id` to a group the caller can see. */
export function findGroup(ctx: RequestContext, param = 'id'): Group {
  const raw = ctx.params[param] ?? '';
  const group = /^\d+$/.test(raw) ? ctx.world.group(Number(raw)) : ctx.world.groupByPath(raw);
  if (!group || !canReadGroup(ctx.world, ctx.user.id, group)) throw notFound('Group');
  return group;
}

/**
 * `:iid` of a project's MR. The MR endpoints answer ActiveRecord's `404 Not found`; the notes,
 * discussions and award emoji endpoints go through `find_noteable` (`404 MergeRequest Not Found`).
 */
export function findMergeRequest(
  ctx: RequestContext,
  project: Project,
  as: 'merge-request' | 'noteable' = 'merge-request',
): MergeRequest {
  const iid = Number(ctx.params.iid);
  const mr = Number.isInteger(iid) ? ctx.world.mergeRequest(project.id, iid) : undefined;
  if (!mr) throw as === 'noteable' ? notFound('MergeRequest') : notFound();
  return mr;
}

/** Throws `403 Forbidden` unless `allowed`. */
export function authorize(allowed: boolean): void {
  if (!allowed) throw forbidden();
}

/** Answers like Grape does for a route that does not exist in this GitLab version. */
export function requireVersion(ctx: RequestContext, min: string): void {
  if (!versionAtLeast(ctx.world.version, min)) {
    throw new ApiError(404, { error: '404 Not Found' });
  }
}

/** Required non-empty string body param (Grape `requires :name, type: String`). */
export function requiredString(ctx: RequestContext, name: string): string {
  const value = ctx.body[name];
  if (value === undefined || value === null) {
    throw new ApiError(400, { error: `${name} is missing` });
  }
  if (typeof value !== 'string') throw new ApiError(400, { error: `${name} is invalid` });
  if (value.trim() === '') throw new ApiError(400, { error: `${name} is empty` });
  return value;
}
