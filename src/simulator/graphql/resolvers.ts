/**
 * Answers for the discovery schema, with GitLab's rules: the instance-wide
 * `jobs` list is empty for anyone but an admin (Ci::JobsFinder#all_jobs),
 * `projects` shows what the caller may read, newest id first, pipelines and
 * jobs only where the caller may read builds. Lists are ordered by id,
 * newest first, like GitLab's finders.
 */
import { GraphQLError } from 'graphql';
import { canReadBuilds, canReadProject, isAdmin, projectAccessLevel } from '../rules.js';
import type { Job, Pipeline, Project } from '../types.js';
import type { World } from '../world.js';
import { connection, type PageArgs } from './connection.js';

/** What every resolver sees. */
export interface GraphqlContext {
  world: World;
  userId: number;
  /** The operation's complexity and the caller's limit, for `queryComplexity`. */
  complexity: { score: number; limit: number };
}

export function projectGid(id: number): string {
  return `gid://gitlab/Project/${id}`;
}

export function pipelineGid(id: number): string {
  return `gid://gitlab/Ci::Pipeline/${id}`;
}

export function jobGid(id: number): string {
  return `gid://gitlab/Ci::Build/${id}`;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function newestFirst<T extends { id: number }>(items: T[]): T[] {
  return items.sort((a, b) => b.id - a.id);
}

/** GitlabSchema.parse_gid with expected_type ::Project. */
function projectIdOf(gid: string): number {
  const match = /^gid:\/\/gitlab\/(?<model>[A-Za-z:]+)\/(?<id>\d+)$/.exec(gid);
  if (!match?.groups) throw new GraphQLError(`${gid} is not a valid GitLab ID.`);
  if (match.groups.model !== 'Project') {
    throw new GraphQLError(`${gid} is not a valid ID for Project.`);
  }
  return Number(match.groups.id);
}

function statuses(values: string[] | null | undefined): Set<string> | undefined {
  return values ? new Set(values.map((s) => s.toLowerCase())) : undefined;
}

function jobNode(ctx: GraphqlContext, job: Job) {
  const project = ctx.world.project(job.projectId);
  return {
    id: jobGid(job.id),
    name: job.name,
    status: job.status.toUpperCase(),
    allowFailure: job.allowFailure,
    createdAt: iso(job.createdAt),
    finishedAt: iso(job.finishedAt),
    refName: job.ref,
    webPath: `/${project?.pathWithNamespace ?? ''}/-/jobs/${job.id}`,
    stage: { name: job.stage },
    pipeline: () => {
      const pipeline = ctx.world.pipeline(job.pipelineId);
      return pipeline ? pipelineNode(ctx, pipeline) : null;
    },
    project: () => (project ? projectNode(ctx, project) : null),
  };
}

function jobsOfPipeline(
  ctx: GraphqlContext,
  pipeline: Pipeline,
  args: PageArgs & { statuses?: string[] | null; retried?: boolean | null },
) {
  const project = ctx.world.project(pipeline.projectId);
  const readable = project !== undefined && canReadBuilds(ctx.world, ctx.userId, project);
  const wanted = statuses(args.statuses);
  const jobs = readable
    ? ctx.world.jobs.filter(
        (j) =>
          j.pipelineId === pipeline.id &&
          (wanted === undefined || wanted.has(j.status)) &&
          (args.retried === undefined || args.retried === null || j.retried === args.retried),
      )
    : [];
  return connection(newestFirst(jobs), args, (job) => jobNode(ctx, job));
}

function pipelineNode(ctx: GraphqlContext, pipeline: Pipeline) {
  return {
    id: pipelineGid(pipeline.id),
    iid: String(pipeline.iid),
    sha: pipeline.sha,
    ref: pipeline.ref,
    status: pipeline.status.toUpperCase(),
    createdAt: iso(pipeline.createdAt),
    updatedAt: iso(pipeline.updatedAt),
    finishedAt: iso(pipeline.finishedAt),
    project: () => {
      const project = ctx.world.project(pipeline.projectId);
      return project ? projectNode(ctx, project) : null;
    },
    jobs: (args: PageArgs & { statuses?: string[] | null; retried?: boolean | null }) =>
      jobsOfPipeline(ctx, pipeline, args),
  };
}

interface PipelineArgs extends PageArgs {
  status?: string | null;
  ref?: string | null;
  sha?: string | null;
  updatedAfter?: string | null;
  updatedBefore?: string | null;
}

function pipelinesOfProject(ctx: GraphqlContext, project: Project, args: PipelineArgs) {
  const after = args.updatedAfter ? Date.parse(args.updatedAfter) : undefined;
  const before = args.updatedBefore ? Date.parse(args.updatedBefore) : undefined;
  if (Number.isNaN(after) || Number.isNaN(before)) {
    throw new GraphQLError('Time must be an ISO 8601 date and time');
  }
  const pipelines = canReadBuilds(ctx.world, ctx.userId, project)
    ? ctx.world.pipelines.filter(
        (p) =>
          p.projectId === project.id &&
          (!args.status || p.status === args.status.toLowerCase()) &&
          (!args.ref || p.ref === args.ref) &&
          (!args.sha || p.sha === args.sha) &&
          (after === undefined || p.updatedAt.getTime() > after) &&
          (before === undefined || p.updatedAt.getTime() < before),
      )
    : [];
  return connection(newestFirst(pipelines), args, (p) => pipelineNode(ctx, p));
}

function projectNode(ctx: GraphqlContext, project: Project) {
  return {
    id: projectGid(project.id),
    name: project.name,
    fullPath: project.pathWithNamespace,
    webUrl: `${ctx.world.externalUrl}/${project.pathWithNamespace}`,
    pipelines: (args: PipelineArgs) => pipelinesOfProject(ctx, project, args),
  };
}

/** The root value: the fields of `Query`. */
export function queryRoot(ctx: GraphqlContext) {
  const { world, userId } = ctx;
  return {
    queryComplexity: () => ctx.complexity,
    jobs: (args: PageArgs & { statuses?: string[] | null }) => {
      const wanted = statuses(args.statuses);
      const jobs = isAdmin(world, userId)
        ? world.jobs.filter((j) => wanted === undefined || wanted.has(j.status))
        : [];
      return connection(newestFirst(jobs), args, (job) => jobNode(ctx, job));
    },
    projects: (args: PageArgs & { ids?: string[] | null; membership?: boolean | null }) => {
      const ids = args.ids ? new Set(args.ids.map(projectIdOf)) : undefined;
      const projects = (
        ids ? [...ids].flatMap((id) => world.project(id) ?? []) : [...world.projects]
      ).filter(
        (p) =>
          canReadProject(world, userId, p) &&
          (!args.membership || projectAccessLevel(world, userId, p) > 0),
      );
      return connection(newestFirst(projects), args, (p) => projectNode(ctx, p));
    },
  };
}
