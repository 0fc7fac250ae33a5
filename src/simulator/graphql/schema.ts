/**
 * The part of GitLab's GraphQL schema that discovers failed jobs: the admin's
 * instance-wide `jobs` query and `projects(ids:)` with each project's failed
 * pipelines and their jobs, plus `queryComplexity`. Names, types, global ids
 * and connection shapes follow GitLab (app/graphql/types/query_type.rb,
 * project_type.rb, ci/pipeline_type.rb, ci/job_type.rb). Older instances lack
 * some of it; `World.graphql` switches those parts off.
 */
import { buildSchema, type GraphQLSchema } from 'graphql';
import type { GraphqlSettings } from '../types.js';
import type { ResolverFields } from './complexity.js';

type GraphqlFeatures = Pick<GraphqlSettings, 'instanceJobs' | 'pipelinesUpdatedAfter'>;

export const RESOLVER_FIELDS: ResolverFields = new Set([
  'Query.jobs',
  'Query.projects',
  'Project.pipelines',
  'Pipeline.jobs',
]);

const PAGING = 'after: String, before: String, first: Int, last: Int';

function sdl(features: GraphqlFeatures): string {
  const jobsField = features.instanceJobs
    ? `jobs(statuses: [CiJobStatus!], ${PAGING}): CiJobConnection`
    : '';
  const updatedAfter = features.pipelinesUpdatedAfter
    ? 'updatedAfter: Time, updatedBefore: Time,'
    : '';
  return `
    scalar Time
    scalar JobID

    enum CiJobStatus {
      CREATED WAITING_FOR_RESOURCE PREPARING WAITING_FOR_CALLBACK PENDING RUNNING
      SUCCESS FAILED CANCELING CANCELED SKIPPED MANUAL SCHEDULED
    }

    enum PipelineStatusEnum {
      CREATED WAITING_FOR_RESOURCE PREPARING WAITING_FOR_CALLBACK PENDING RUNNING
      FAILED SUCCESS CANCELING CANCELED SKIPPED MANUAL SCHEDULED
    }

    type PageInfo {
      hasNextPage: Boolean!
      hasPreviousPage: Boolean!
      startCursor: String
      endCursor: String
    }

    type QueryComplexity {
      limit: Int
      score: Int
    }

    type Query {
      queryComplexity: QueryComplexity
      ${jobsField}
      projects(ids: [ID!], membership: Boolean, search: String, sort: String, ${PAGING}): ProjectConnection
    }

    type Project {
      id: ID!
      name: String!
      fullPath: ID!
      webUrl: String
      pipelines(status: PipelineStatusEnum, ref: String, sha: String, ${updatedAfter} ${PAGING}): PipelineConnection
    }

    type ProjectConnection { count: Int! nodes: [Project] edges: [ProjectEdge] pageInfo: PageInfo! }
    type ProjectEdge { cursor: String! node: Project }

    type Pipeline {
      id: ID!
      iid: String!
      sha: String
      ref: String
      status: PipelineStatusEnum!
      createdAt: Time!
      updatedAt: Time!
      finishedAt: Time
      project: Project
      jobs(statuses: [CiJobStatus!], retried: Boolean, ${PAGING}): CiJobConnection
    }

    type PipelineConnection { count: Int! nodes: [Pipeline] edges: [PipelineEdge] pageInfo: PageInfo! }
    type PipelineEdge { cursor: String! node: Pipeline }

    type CiStage { name: String }

    type CiJob {
      id: JobID
      name: String
      status: CiJobStatus
      allowFailure: Boolean!
      createdAt: Time!
      finishedAt: Time
      refName: String
      webPath: String
      stage: CiStage
      pipeline: Pipeline
      project: Project
    }

    type CiJobConnection { count: Int! nodes: [CiJob] edges: [CiJobEdge] pageInfo: PageInfo! }
    type CiJobEdge { cursor: String! node: CiJob }
  `;
}

const built = new Map<string, GraphQLSchema>();

/** The schema for a feature set (built once per set). */
export function discoverySchema(features: GraphqlFeatures): GraphQLSchema {
  const key = `${features.instanceJobs}/${features.pipelinesUpdatedAfter}`;
  let schema = built.get(key);
  if (!schema) {
    schema = buildSchema(sdl(features));
    built.set(key, schema);
  }
  return schema;
}
