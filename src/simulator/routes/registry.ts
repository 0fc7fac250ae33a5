/** Container registry API: repositories and tags of a project (or a group). */
import { registryRepositoryEntity, registryTagBasic, registryTagDetail } from '../entities.js';
import type { RequestContext } from '../http.js';
import { notFound, ok, queryBool } from '../http.js';
import { paginate } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { canReadRegistry, namespaceChain } from '../rules.js';
import type { Project, RegistryRepository } from '../types.js';
import { authorize, findGroup, findProject } from './common.js';

/** The project's registry, readable by the caller (404 when disabled, 403 without Reporter). */
function registryProject(ctx: RequestContext): Project {
  const project = findProject(ctx);
  if (project.containerRegistryAccessLevel === 'disabled') throw notFound();
  authorize(canReadRegistry(ctx.world, ctx.user.id, project));
  return project;
}

function findRepository(ctx: RequestContext, project: Project): RegistryRepository {
  const repository = project.registry.find((r) => String(r.id) === ctx.params.repository_id);
  if (!repository) throw notFound();
  return repository;
}

function listOptions(ctx: RequestContext): { tags: boolean; tagsCount: boolean } {
  return {
    tags: queryBool(ctx.query, 'tags') === true,
    tagsCount: queryBool(ctx.query, 'tags_count') === true,
  };
}

/** Registry routes. */
export function registryRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/registry/repositories', (ctx) => {
      const project = registryProject(ctx);
      const page = paginate(project.registry, ctx);
      const options = listOptions(ctx);
      return ok(
        page.items.map((r) => registryRepositoryEntity(ctx.world, r, options)),
        200,
        page.headers,
      );
    }),
    route('GET', '/projects/:id/registry/repositories/:repository_id/tags', (ctx) => {
      const project = registryProject(ctx);
      const repository = findRepository(ctx, project);
      const tags = [...repository.tags].sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(tags, ctx);
      return ok(
        page.items.map((t) => registryTagBasic(ctx.world, repository, t)),
        200,
        page.headers,
      );
    }),
    route('GET', '/projects/:id/registry/repositories/:repository_id/tags/:tag_name', (ctx) => {
      const project = registryProject(ctx);
      const repository = findRepository(ctx, project);
      const tag = repository.tags.find((t) => t.name === ctx.params.tag_name);
      if (!tag) throw notFound('Tag');
      return ok(registryTagDetail(ctx.world, repository, tag));
    }),
    route('GET', '/registry/repositories/:repository_id', (ctx) => {
      const repositoryId = Number(ctx.params.repository_id);
      const project = ctx.world.projects.find((p) => p.registry.some((r) => r.id === repositoryId));
      const repository = project?.registry.find((r) => r.id === repositoryId);
      if (!project || !repository || !canReadRegistry(ctx.world, ctx.user.id, project)) {
        throw notFound('Repository');
      }
      return ok(registryRepositoryEntity(ctx.world, repository, listOptions(ctx)));
    }),
    route('GET', '/groups/:id/registry/repositories', (ctx) => {
      const group = findGroup(ctx);
      const repositories = ctx.world.projects
        .filter(
          (p) =>
            namespaceChain(ctx.world, p.namespaceId).some((ns) => ns.id === group.id) &&
            canReadRegistry(ctx.world, ctx.user.id, p),
        )
        .flatMap((p) => p.registry);
      const page = paginate(repositories, ctx);
      return ok(
        page.items.map((r) => registryRepositoryEntity(ctx.world, r, listOptions(ctx))),
        200,
        page.headers,
      );
    }),
  ];
}
