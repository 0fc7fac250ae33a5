/** Package registry API: the packages of a project, or of a group's projects. */
import { iso } from '../entities.js';
import { ok, queryString } from '../http.js';
import { paginate } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { canReadCode, namespaceChain } from '../rules.js';
import type { Package, Project } from '../types.js';
import type { World } from '../world.js';
import { authorize, findGroup, findProject } from './common.js';

function packageEntity(world: World, pkg: Package): Record<string, unknown> {
  const project = world.project(pkg.projectId);
  return {
    id: pkg.id,
    name: pkg.name,
    version: pkg.version,
    package_type: pkg.type,
    status: 'default',
    project_id: pkg.projectId,
    project_path: project?.pathWithNamespace,
    created_at: iso(pkg.createdAt),
  };
}

/** GitLab matches `package_name` as a partial, case-insensitive name. */
function filtered(packages: Package[], name: string | undefined, type: string | undefined) {
  return packages.filter(
    (p) =>
      (name === undefined || p.name.toLowerCase().includes(name.toLowerCase())) &&
      (type === undefined || p.type === type),
  );
}

/** `GET /projects/:id/packages`, `GET /groups/:id/packages`. */
export function packageRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/packages', (ctx) => {
      const project = findProject(ctx);
      // Packages of private projects are for Reporters and up.
      authorize(canReadCode(ctx.world, ctx.user.id, project));
      const list = filtered(
        project.packages,
        queryString(ctx.query, 'package_name'),
        queryString(ctx.query, 'package_type'),
      );
      const page = paginate(list, ctx);
      return ok(
        page.items.map((p) => packageEntity(ctx.world, p)),
        200,
        page.headers,
      );
    }),
    route('GET', '/groups/:id/packages', (ctx) => {
      const group = findGroup(ctx);
      const inGroup = (project: Project) =>
        namespaceChain(ctx.world, project.namespaceId).some((ns) => ns.id === group.id);
      // Only the packages of projects the caller may read are listed.
      const projects = ctx.world.projects.filter(
        (p) => inGroup(p) && canReadCode(ctx.world, ctx.user.id, p),
      );
      const list = filtered(
        projects.flatMap((p) => p.packages),
        queryString(ctx.query, 'package_name'),
        queryString(ctx.query, 'package_type'),
      );
      const page = paginate(list, ctx);
      return ok(
        page.items.map((p) => packageEntity(ctx.world, p)),
        200,
        page.headers,
      );
    }),
  ];
}
