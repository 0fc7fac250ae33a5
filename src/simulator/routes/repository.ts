/** Repository files: only the `.gitlab-ci.yml` each pipeline ran from. */
import { notFound } from '../http.js';
import type { ApiResponse, RequestContext } from '../http.js';
import { queryString } from '../http.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { canReadCode } from '../rules.js';
import { authorize, findProject } from './common.js';

function rawFile(ctx: RequestContext): ApiResponse {
  const project = findProject(ctx);
  authorize(canReadCode(ctx.world, ctx.user.id, project));
  const ref = queryString(ctx.query, 'ref') ?? project.defaultBranch;
  if (ctx.params.file_path !== '.gitlab-ci.yml') throw notFound('File');
  const pipeline =
    ctx.world.pipelineAt(project.id, ref) ??
    [...ctx.world.pipelines].reverse().find((p) => p.projectId === project.id && p.ref === ref);
  if (!pipeline) throw notFound('File');
  return { status: 200, text: pipeline.ciConfig, headers: { 'Content-Type': 'text/plain' } };
}

/** `GET /projects/:id/repository/files/:file_path/raw?ref=`. */
export function repositoryRoutes(): Route[] {
  return [route('GET', '/projects/:id/repository/files/:file_path/raw', rawFile)];
}
