/** Repository files and the CI lint of the default branch's configuration. */
import { lintProjectConfig } from '../ci-lint.js';
import { notFound, ok } from '../http.js';
import type { ApiResponse, RequestContext } from '../http.js';
import { queryString } from '../http.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { canReadCode } from '../rules.js';
import { authorize, findProject } from './common.js';

/**
 * A pipeline's SHA reads the `.gitlab-ci.yml` that pipeline ran from; otherwise the files of
 * the default branch (`world.setFile`), then the newest pipeline of the ref.
 */
function rawFile(ctx: RequestContext): ApiResponse {
  const project = findProject(ctx);
  authorize(canReadCode(ctx.world, ctx.user.id, project));
  const ref = queryString(ctx.query, 'ref') ?? project.defaultBranch;
  const path = ctx.params.file_path ?? '';
  const text = (content: string): ApiResponse => ({
    status: 200,
    text: content,
    headers: { 'Content-Type': 'text/plain' },
  });
  const atSha = ctx.world.pipelineAt(project.id, ref);
  if (path === '.gitlab-ci.yml' && atSha) return text(atSha.ciConfig);
  const file = project.files.get(path);
  if (file !== undefined) return text(file);
  if (path !== '.gitlab-ci.yml') throw notFound('File');
  const pipeline = [...ctx.world.pipelines]
    .reverse()
    .find((p) => p.projectId === project.id && p.ref === ref);
  if (!pipeline) throw notFound('File');
  return text(pipeline.ciConfig);
}

/** `GET /projects/:id/ci/lint`: needs `read_code`; an empty repository is a 404. */
function lint(ctx: RequestContext): ApiResponse {
  const project = findProject(ctx);
  authorize(canReadCode(ctx.world, ctx.user.id, project));
  const empty =
    project.files.size === 0 && !ctx.world.pipelines.some((p) => p.projectId === project.id);
  if (empty) throw notFound('Repository');
  const { config: _config, ...result } = lintProjectConfig(ctx.world, project, ctx.user.id);
  return ok(result);
}

/** `GET /projects/:id/repository/files/:file_path/raw?ref=`, `GET /projects/:id/ci/lint`. */
export function repositoryRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/repository/files/:file_path/raw', rawFile),
    route('GET', '/projects/:id/ci/lint', lint),
  ];
}
