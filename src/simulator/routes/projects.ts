/** Projects, groups and members. */
import { groupEntity, memberEntity, projectBasic, projectFull } from '../entities.js';
import type { ApiResponse, RequestContext } from '../http.js';
import { bodyString, invalidParam, notFound, ok, queryBool, queryString } from '../http.js';
import { paginate } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import {
  ACCESS,
  canReadProject,
  groupAccessLevel,
  hasProjectAccess,
  namespaceChain,
  projectAccessLevel,
} from '../rules.js';
import type { Project, RegistryAccessLevel, User } from '../types.js';
import { authorize, findGroup, findProject } from './common.js';

const ORDER_FIELDS: readonly string[] = [
  'id',
  'name',
  'path',
  'created_at',
  'updated_at',
  'last_activity_at',
];

function sortProjects(ctx: RequestContext, projects: Project[]): Project[] {
  const orderBy = queryString(ctx.query, 'order_by') ?? 'created_at';
  const sort = queryString(ctx.query, 'sort') ?? 'desc';
  if (!ORDER_FIELDS.includes(orderBy)) throw invalidParam('order_by does not have a valid value');
  if (sort !== 'asc' && sort !== 'desc') throw invalidParam('sort does not have a valid value');
  const key = (p: Project): number | string => {
    if (orderBy === 'name') return p.name.toLowerCase();
    if (orderBy === 'path') return p.path.toLowerCase();
    if (orderBy === 'id') return p.id;
    if (orderBy === 'created_at') return p.createdAt.getTime() * 1e4 + p.id;
    return p.lastActivityAt.getTime() * 1e4 + p.id;
  };
  const sorted = [...projects].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return sort === 'desc' ? sorted.reverse() : sorted;
}

/** Filters shared by `/projects` and `/groups/:id/projects`. */
function listProjects(ctx: RequestContext, candidates: Project[]): ApiResponse {
  const { world, user } = ctx;
  let projects = candidates.filter((p) => canReadProject(world, user.id, p));
  const membership = queryBool(ctx.query, 'membership');
  const minAccess = queryString(ctx.query, 'min_access_level');
  const search = queryString(ctx.query, 'search')?.toLowerCase();
  const visibility = queryString(ctx.query, 'visibility');
  const owned = queryBool(ctx.query, 'owned');
  const searchNamespaces = queryBool(ctx.query, 'search_namespaces');
  if (membership) projects = projects.filter((p) => projectAccessLevel(world, user.id, p) > 0);
  if (owned) {
    projects = projects.filter((p) => projectAccessLevel(world, user.id, p) >= ACCESS.owner);
  }
  if (minAccess !== undefined) {
    if (!/^\d+$/.test(minAccess)) {
      throw invalidParam('min_access_level does not have a valid value');
    }
    const min = Number(minAccess);
    projects = projects.filter((p) => projectAccessLevel(world, user.id, p) >= min);
  }
  if (visibility !== undefined) projects = projects.filter((p) => p.visibility === visibility);
  if (search) {
    projects = projects.filter(
      (p) =>
        p.name.toLowerCase().includes(search) ||
        p.path.toLowerCase().includes(search) ||
        p.description.toLowerCase().includes(search) ||
        // With search_namespaces GitLab matches the route's full path and full name too.
        (searchNamespaces === true &&
          (p.pathWithNamespace.toLowerCase().includes(search) ||
            p.nameWithNamespace.toLowerCase().includes(search))),
    );
  }
  const page = paginate(sortProjects(ctx, projects), ctx);
  const simple = queryBool(ctx.query, 'simple');
  const body = page.items.map((p) =>
    simple ? projectBasic(world, p) : projectFull(world, p, user.id),
  );
  return ok(body, 200, page.headers);
}

/** Effective members of a project: direct and inherited, highest level per user. */
function effectiveMembers(ctx: RequestContext, project: Project): { user: User; level: number }[] {
  const ids = new Set<number>(project.members.keys());
  for (const ns of namespaceChain(ctx.world, project.namespaceId)) {
    if (ns.kind === 'group') for (const id of ns.members.keys()) ids.add(id);
    else ids.add(ns.ownerId);
  }
  return [...ids]
    .sort((a, b) => a - b)
    .flatMap((id) => {
      const user = ctx.world.user(id);
      return user ? [{ user, level: projectAccessLevel(ctx.world, id, project) }] : [];
    });
}

const REGISTRY_LEVELS: readonly RegistryAccessLevel[] = ['enabled', 'private', 'disabled'];

/** `/projects…`, `/groups…`, project members. */
export function projectRoutes(): Route[] {
  return [
    route('GET', '/projects', (ctx) => listProjects(ctx, ctx.world.projects)),
    route('GET', '/projects/:id', (ctx) => {
      const project = findProject(ctx);
      return ok(projectFull(ctx.world, project, ctx.user.id));
    }),
    route('PUT', '/projects/:id', (ctx) => {
      const project = findProject(ctx);
      authorize(hasProjectAccess(ctx.world, ctx.user.id, project, ACCESS.maintainer));
      const level = bodyString(ctx.body, 'container_registry_access_level');
      if (level !== undefined) {
        if (!REGISTRY_LEVELS.includes(level as RegistryAccessLevel)) {
          throw invalidParam('container_registry_access_level does not have a valid value');
        }
        project.containerRegistryAccessLevel = level as RegistryAccessLevel;
      }
      const enabled = queryBool(ctx.body, 'container_registry_enabled');
      if (enabled !== undefined && level === undefined) {
        project.containerRegistryAccessLevel = enabled ? 'enabled' : 'disabled';
      }
      const description = bodyString(ctx.body, 'description');
      if (description !== undefined) project.description = description;
      project.lastActivityAt = ctx.world.now();
      return ok(projectFull(ctx.world, project, ctx.user.id));
    }),
    route('GET', '/projects/:id/members/all', (ctx) => {
      const project = findProject(ctx);
      const members = effectiveMembers(ctx, project);
      const page = paginate(members, ctx);
      return ok(
        page.items.map((m) => memberEntity(ctx.world, m.user, m.level, project.createdAt)),
        200,
        page.headers,
      );
    }),
    route('GET', '/projects/:id/members/all/:user_id', (ctx) => {
      const project = findProject(ctx);
      const member = effectiveMembers(ctx, project).find(
        (m) => String(m.user.id) === ctx.params.user_id,
      );
      if (!member) throw notFound();
      return ok(memberEntity(ctx.world, member.user, member.level, project.createdAt));
    }),
    route('GET', '/projects/:id/members', (ctx) => {
      const project = findProject(ctx);
      const members = [...project.members.entries()].flatMap(([id, level]) => {
        const user = ctx.world.user(id);
        return user ? [{ user, level }] : [];
      });
      const page = paginate(members, ctx);
      return ok(
        page.items.map((m) => memberEntity(ctx.world, m.user, m.level, project.createdAt)),
        200,
        page.headers,
      );
    }),
    route('GET', '/projects/:id/members/:user_id', (ctx) => {
      const project = findProject(ctx);
      const level = project.members.get(Number(ctx.params.user_id));
      const user = ctx.world.user(Number(ctx.params.user_id));
      if (level === undefined || !user) throw notFound();
      return ok(memberEntity(ctx.world, user, level, project.createdAt));
    }),
    route('GET', '/groups/:id', (ctx) => {
      const group = findGroup(ctx);
      const json = groupEntity(ctx.world, group);
      // GitLab still embeds the group's projects unless with_projects=false.
      if (queryBool(ctx.query, 'with_projects') !== false) {
        json.projects = ctx.world.projects
          .filter((p) => p.namespaceId === group.id && canReadProject(ctx.world, ctx.user.id, p))
          .map((p) => projectFull(ctx.world, p, ctx.user.id));
        json.shared_projects = [];
      }
      return ok(json);
    }),
    route('GET', '/groups/:id/members/all/:user_id', (ctx) => {
      const group = findGroup(ctx);
      const user = ctx.world.user(Number(ctx.params.user_id));
      const level = user ? groupAccessLevel(ctx.world, user.id, group.id) : 0;
      if (!user || level === 0) throw notFound();
      return ok(memberEntity(ctx.world, user, level, group.createdAt));
    }),
    route('GET', '/groups/:id/projects', (ctx) => {
      const group = findGroup(ctx);
      const deep = queryBool(ctx.query, 'include_subgroups') === true;
      const inside = ctx.world.projects.filter((p) =>
        deep
          ? namespaceChain(ctx.world, p.namespaceId).some((ns) => ns.id === group.id)
          : p.namespaceId === group.id,
      );
      return listProjects(ctx, inside);
    }),
  ];
}
