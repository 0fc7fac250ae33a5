/** Jobs, traces, retries and pipelines. */
import { jobEntity, pipelineBasic, pipelineDetail } from '../entities.js';
import type { ApiResponse, Query, RequestContext } from '../http.js';
import { ApiError, invalidParam, notFound, ok, queryBool, queryString } from '../http.js';
import { paginate, paginateKeysetByIdDesc } from '../pagination.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { ACCESS, canReadBuilds, hasProjectAccess } from '../rules.js';
import type { Job, Pipeline, Project } from '../types.js';
import { authorize, findProject } from './common.js';

/** `CommitStatus::AVAILABLE_STATUSES`. */
const JOB_STATUSES: readonly string[] = [
  'created',
  'waiting_for_resource',
  'preparing',
  'waiting_for_callback',
  'pending',
  'running',
  'success',
  'failed',
  'canceling',
  'canceled',
  'skipped',
  'manual',
  'scheduled',
];

/** `scope` / `scope[]`, validated like Grape's `values:` (unknown → 400). */
function readScopes(query: Query): string[] | undefined {
  const raw = query.scope;
  if (raw === undefined) return undefined;
  const scopes = Array.isArray(raw) ? raw : [raw];
  if (scopes.some((s) => !JOB_STATUSES.includes(s))) {
    throw invalidParam('scope does not have a valid value');
  }
  return scopes;
}

function readableProject(ctx: RequestContext): Project {
  const project = findProject(ctx);
  authorize(canReadBuilds(ctx.world, ctx.user.id, project));
  return project;
}

function findJob(ctx: RequestContext, project: Project): Job {
  if (!/^\d+$/.test(ctx.params.job_id ?? '')) throw invalidParam('job_id is invalid');
  const job = ctx.world.job(Number(ctx.params.job_id));
  if (!job || job.projectId !== project.id) throw notFound();
  return job;
}

function findPipeline(ctx: RequestContext, project: Project): Pipeline {
  if (!/^\d+$/.test(ctx.params.pipeline_id ?? '')) throw invalidParam('pipeline_id is invalid');
  const pipeline = ctx.world.pipeline(Number(ctx.params.pipeline_id));
  if (!pipeline || pipeline.projectId !== project.id) throw notFound();
  return pipeline;
}

function newestFirst<T extends { id: number }>(items: T[]): T[] {
  return [...items].sort((a, b) => b.id - a.id);
}

/** `GET /projects/:id/jobs`: all jobs incl. retried ones (GitLab has no filter here), newest first. */
function listProjectJobs(ctx: RequestContext): ApiResponse {
  const project = readableProject(ctx);
  const scopes = readScopes(ctx.query);
  const jobs = newestFirst(
    ctx.world.jobs.filter(
      (j) => j.projectId === project.id && (scopes === undefined || scopes.includes(j.status)),
    ),
  );
  const page =
    queryString(ctx.query, 'pagination') === 'keyset'
      ? paginateKeysetByIdDesc(jobs, ctx)
      : paginate(jobs, ctx, { withoutCount: true });
  return ok(
    page.items.map((j) => jobEntity(ctx.world, j)),
    200,
    page.headers,
  );
}

const PIPELINE_ORDER: readonly string[] = ['id', 'status', 'ref', 'updated_at', 'user_id'];

function listPipelines(ctx: RequestContext): ApiResponse {
  const project = readableProject(ctx);
  const q = (name: string): string | undefined => queryString(ctx.query, name);
  const username = q('username')?.toLowerCase();
  const after = q('updated_after');
  const before = q('updated_before');
  let pipelines = ctx.world.pipelines.filter((p) => {
    if (p.projectId !== project.id) return false;
    if (q('status') !== undefined && p.status !== q('status')) return false;
    if (q('ref') !== undefined && p.ref !== q('ref')) return false;
    if (q('sha') !== undefined && p.sha !== q('sha')) return false;
    if (q('source') !== undefined && p.source !== q('source')) return false;
    if (username && ctx.world.user(p.userId)?.username.toLowerCase() !== username) return false;
    if (after && p.updatedAt.getTime() <= Date.parse(after)) return false;
    if (before && p.updatedAt.getTime() >= Date.parse(before)) return false;
    const scope = q('scope');
    if (scope === 'finished' && !['success', 'failed', 'canceled'].includes(p.status)) return false;
    if ((scope === 'running' || scope === 'pending') && p.status !== scope) return false;
    if (scope === 'tags' && !p.tag) return false;
    if (scope === 'branches' && p.tag) return false;
    return true;
  });
  const orderBy = q('order_by') ?? 'id';
  const sort = q('sort') ?? 'desc';
  if (!PIPELINE_ORDER.includes(orderBy)) throw invalidParam('order_by does not have a valid value');
  if (sort !== 'asc' && sort !== 'desc') throw invalidParam('sort does not have a valid value');
  const key = (p: Pipeline): string | number =>
    orderBy === 'status'
      ? p.status
      : orderBy === 'ref'
        ? p.ref
        : orderBy === 'updated_at'
          ? p.updatedAt.getTime()
          : orderBy === 'user_id'
            ? p.userId
            : p.id;
  pipelines = [...pipelines].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    const cmp = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
    return sort === 'asc' ? cmp : -cmp;
  });
  const page = paginate(pipelines, ctx);
  return ok(
    page.items.map((p) => pipelineBasic(ctx.world, p)),
    200,
    page.headers,
  );
}

/** Jobs and pipelines routes. */
export function jobRoutes(): Route[] {
  return [
    route('GET', '/projects/:id/jobs', listProjectJobs),
    route('GET', '/projects/:id/jobs/:job_id', (ctx) => {
      const project = readableProject(ctx);
      return ok(jobEntity(ctx.world, findJob(ctx, project)));
    }),
    route('GET', '/projects/:id/jobs/:job_id/trace', (ctx) => {
      const project = readableProject(ctx);
      const job = findJob(ctx, project);
      return {
        status: 200,
        text: job.log,
        headers: {
          'Content-Type': 'text/plain',
          'Content-Disposition': `infile; filename="${job.id}.log"`,
        },
      };
    }),
    route('POST', '/projects/:id/jobs/:job_id/retry', (ctx) => {
      const project = findProject(ctx);
      const job = findJob(ctx, project);
      authorize(hasProjectAccess(ctx.world, ctx.user.id, project, ACCESS.developer));
      // GitLab refuses to retry a job that was already retried (only the latest is retryable).
      if (job.retried || !['success', 'failed', 'canceled'].includes(job.status)) {
        throw new ApiError(403, { message: '403 Forbidden - Job is not retryable' });
      }
      const retried = ctx.world.retryJob(project.id, job.id, ctx.user.id);
      return ok(jobEntity(ctx.world, retried), 201);
    }),
    route('GET', '/projects/:id/pipelines', listPipelines),
    route('GET', '/projects/:id/pipelines/:pipeline_id', (ctx) => {
      const project = readableProject(ctx);
      return ok(pipelineDetail(ctx.world, findPipeline(ctx, project)));
    }),
    route('GET', '/projects/:id/pipelines/:pipeline_id/jobs', (ctx) => {
      const project = readableProject(ctx);
      const pipeline = findPipeline(ctx, project);
      const scopes = readScopes(ctx.query);
      const includeRetried = queryBool(ctx.query, 'include_retried') === true;
      const jobs = newestFirst(
        ctx.world
          .jobsOf(pipeline.id, includeRetried)
          .filter((j) => scopes === undefined || scopes.includes(j.status)),
      );
      const page = paginate(jobs, ctx);
      return ok(
        page.items.map((j) => jobEntity(ctx.world, j)),
        200,
        page.headers,
      );
    }),
    route('POST', '/projects/:id/pipelines/:pipeline_id/retry', (ctx) => {
      const project = findProject(ctx);
      const pipeline = findPipeline(ctx, project);
      authorize(hasProjectAccess(ctx.world, ctx.user.id, project, ACCESS.developer));
      ctx.world.retryPipeline(pipeline.id, ctx.user.id);
      return ok(pipelineDetail(ctx.world, pipeline), 201);
    }),
  ];
}
