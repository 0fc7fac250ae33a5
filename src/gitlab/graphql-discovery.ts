import { z } from 'zod';
import type { Graphql } from './graphql.js';
import type { FailedJobRef, GitlabPort, ProjectFailures } from './port.js';
import type { Requester } from './request.js';

/** Introspection of the three types discovery relies on, and the caller's limit. */
const FEATURES_QUERY = `
  query DiscoveryFeatures {
    queryComplexity { limit }
    queryType: __type(name: "Query") { fields { name args { name } } }
    projectType: __type(name: "Project") { fields { name args { name } } }
    pipelineType: __type(name: "Pipeline") { fields { name args { name } } }
  }
`;

/** Every failed job of the instance, newest first (Ci::JobsFinder: admins only). */
const INSTANCE_JOBS_QUERY = `
  query InstanceFailedJobs($first: Int, $after: String) {
    jobs(statuses: [FAILED], first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id createdAt finishedAt project { id } pipeline { id } }
    }
  }
`;

/**
 * Every pipeline updated since, whatever its status (a job may fail in a
 * pipeline that is then canceled, or passes on a retry), with its failed jobs.
 * Scored by failedPipelinesComplexity (./failed-pipelines-plan.ts): change both together.
 */
const PIPELINE_FAILURES_QUERY = `
  query PipelineFailures(
    $ids: [ID!], $projects: Int, $since: Time, $pipelines: Int, $after: String, $jobs: Int
  ) {
    projects(ids: $ids, first: $projects) {
      nodes {
        id
        pipelines(updatedAfter: $since, first: $pipelines, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes {
            id
            jobs(statuses: [FAILED], first: $jobs) {
              pageInfo { hasNextPage }
              nodes { id createdAt finishedAt }
            }
          }
        }
      }
    }
  }
`;

const TypeFields = z
  .object({
    fields: z.array(z.object({ name: z.string(), args: z.array(z.object({ name: z.string() })) })),
  })
  .nullable();

const Features = z.object({
  queryComplexity: z.object({ limit: z.number().nullable() }).nullable().optional(),
  queryType: TypeFields,
  projectType: TypeFields,
  pipelineType: TypeFields,
});

const PageInfo = z.object({
  hasNextPage: z.boolean(),
  endCursor: z.string().nullable().optional(),
});

/** `gid://gitlab/Ci::Build/123` → 123; other models (bridges) are not jobs the bot reads. */
function idOf(gid: string, model: string): number | undefined {
  const match = /^gid:\/\/gitlab\/([\w:]+)\/(\d+)$/.exec(gid);
  return match && match[1] === model ? Number(match[2]) : undefined;
}

const Gid = (model: string) =>
  z.string().transform((gid, ctx) => {
    const id = idOf(gid, model);
    if (id === undefined) ctx.addIssue({ code: 'custom', message: `not a ${model} id: ${gid}` });
    return id ?? 0;
  });

const JobNode = z.object({
  id: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable().optional(),
});

const InstanceJobs = z.object({
  jobs: z
    .object({
      pageInfo: PageInfo,
      nodes: z.array(
        JobNode.extend({
          project: z.object({ id: Gid('Project') }).nullable(),
          pipeline: z.object({ id: Gid('Ci::Pipeline') }).nullable(),
        }).nullable(),
      ),
    })
    .nullable(),
});

const FailedPipelines = z.object({
  projects: z
    .object({
      nodes: z.array(
        z
          .object({
            id: Gid('Project'),
            pipelines: z.object({
              pageInfo: PageInfo,
              nodes: z.array(
                z.object({
                  id: Gid('Ci::Pipeline'),
                  jobs: z
                    .object({ pageInfo: PageInfo, nodes: z.array(JobNode.nullable()) })
                    .nullable(),
                }),
              ),
            }),
          })
          .nullable(),
      ),
    })
    .nullable(),
});

function jobRef(
  node: z.infer<typeof JobNode>,
  projectId: number,
  pipelineId: number,
): FailedJobRef | undefined {
  const id = idOf(node.id, 'Ci::Build');
  if (id === undefined) return undefined;
  return {
    id,
    projectId,
    pipelineId,
    createdAt: node.createdAt,
    ...(node.finishedAt ? { finishedAt: node.finishedAt } : {}),
  };
}

function hasArgs(type: z.infer<typeof TypeFields>, field: string, args: string[]): boolean {
  const found = type?.fields.find((f) => f.name === field);
  return found !== undefined && args.every((a) => found.args.some((x) => x.name === a));
}

/** Finding failed jobs through GraphQL: instance-wide (admins) or many projects per query. */
export function graphqlDiscoveryMethods(
  graphql: Graphql,
  { read }: Requester,
): Pick<GitlabPort, 'discoveryFeatures' | 'listInstanceFailedJobs' | 'listPipelineFailures'> {
  return {
    async discoveryFeatures() {
      const context = { what: 'asking GitLab which GraphQL queries it offers' };
      const data = await read(context, async () =>
        Features.parse(await graphql(context, FEATURES_QUERY, {})),
      );
      return {
        instanceJobs: hasArgs(data.queryType, 'jobs', ['statuses']),
        failedPipelines:
          hasArgs(data.queryType, 'projects', ['ids']) &&
          hasArgs(data.projectType, 'pipelines', ['updatedAfter']) &&
          hasArgs(data.pipelineType, 'jobs', ['statuses']),
        // GitLab's AUTHENTICATED_MAX_COMPLEXITY when the instance does not say.
        maxComplexity: data.queryComplexity?.limit ?? 250,
      };
    },

    async listInstanceFailedJobs({ first, after }) {
      const context = {
        what: 'listing the failed jobs of the instance (GraphQL)',
        needs: 'an administrator',
      };
      const data = await read(context, async () =>
        InstanceJobs.parse(
          await graphql(context, INSTANCE_JOBS_QUERY, { first, after: after ?? null }),
        ),
      );
      const items = (data.jobs?.nodes ?? []).flatMap((node) => {
        if (!node?.project || !node.pipeline) return [];
        return jobRef(node, node.project.id, node.pipeline.id) ?? [];
      });
      return {
        items,
        hasNextPage: data.jobs?.pageInfo.hasNextPage ?? false,
        ...(data.jobs?.pageInfo.endCursor ? { endCursor: data.jobs.pageInfo.endCursor } : {}),
      };
    },

    async listPipelineFailures(projectIds, { updatedAfter, plan, pipelinesAfter }) {
      const context = {
        what: `listing the failed jobs of ${projectIds.length} project(s) (GraphQL)`,
        needs: 'Reporter on the projects',
      };
      const data = await read(context, async () =>
        FailedPipelines.parse(
          await graphql(context, PIPELINE_FAILURES_QUERY, {
            ids: projectIds.map((id) => `gid://gitlab/Project/${id}`),
            projects: Math.min(plan.projects, projectIds.length),
            since: updatedAfter,
            pipelines: plan.pipelines,
            after: pipelinesAfter ?? null,
            jobs: plan.jobs,
          }),
        ),
      );
      return (data.projects?.nodes ?? []).flatMap((project): ProjectFailures[] => {
        if (!project) return [];
        const { pageInfo, nodes } = project.pipelines;
        return [
          {
            projectId: project.id,
            pipelines: nodes
              .map((pipeline) => ({
                id: pipeline.id,
                jobs: (pipeline.jobs?.nodes ?? []).flatMap(
                  (job) => (job && jobRef(job, project.id, pipeline.id)) ?? [],
                ),
                moreJobs: pipeline.jobs?.pageInfo.hasNextPage ?? false,
              }))
              .filter((pipeline) => pipeline.jobs.length > 0 || pipeline.moreJobs),
            ...(pageInfo.hasNextPage && pageInfo.endCursor
              ? { morePipelines: pageInfo.endCursor }
              : {}),
          },
        ];
      });
    },
  };
}
