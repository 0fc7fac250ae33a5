import type { FailedPipelinesPlan } from './port.js';

/**
 * How big a failed-pipelines query may be. GitLab scores every query and
 * refuses one over the caller's limit (app/graphql/gitlab_schema.rb:
 * AUTHENTICATED_MAX_COMPLEXITY = 250, ADMIN_MAX_COMPLEXITY = 300). The score
 * (app/graphql/types/base_field.rb, app/graphql/resolvers/base_resolver.rb):
 * a plain field costs 1 plus its selection; a field with a resolver costs its
 * selection plus 1, and a connection multiplies that by
 * `1 + min(first, 100) × 1%`, cut to a whole number. Connections return at
 * most 100 nodes (`default_max_page_size 100`).
 *
 * So the number of projects per query barely moves the score (it doubles it
 * at 100): the page size of 100, not the limit, is what bounds a batch, and
 * 10,000 projects cost 100 queries. Only a lower limit (or an older GitLab
 * that scores differently) makes batches smaller.
 */

export const MAX_PAGE_SIZE = 100;

function connection(selection: number, first: number): number {
  return Math.trunc((selection + 1) * (1 + Math.min(first, MAX_PAGE_SIZE) / 100));
}

/**
 * GitLab's score of PIPELINE_FAILURES_QUERY (./graphql-discovery.ts) for a
 * plan; the two must change together.
 */
export function failedPipelinesComplexity(plan: FailedPipelinesPlan): number {
  // jobs { pageInfo { hasNextPage } nodes { id createdAt finishedAt } }
  const jobs = connection(2 + 4, plan.jobs);
  // pipelines { pageInfo { hasNextPage endCursor } nodes { id jobs } }
  const pipelines = connection(3 + (1 + 1 + jobs), plan.pipelines);
  // projects { nodes { id pipelines } }
  return connection(1 + 1 + pipelines, plan.projects);
}

const PROJECTS = [100, 50, 25, 10, 5, 2, 1];
const PIPELINES = [20, 10, 5];
const JOBS = [50, 20, 10];

/**
 * The biggest plan within `maxComplexity`: as many projects per query as fit,
 * then as many pipelines and jobs. Undefined when even the smallest plan does
 * not fit: ask each project on its own instead.
 */
export function planFailedPipelines(maxComplexity: number): FailedPipelinesPlan | undefined {
  for (const projects of PROJECTS) {
    for (const pipelines of PIPELINES) {
      for (const jobs of JOBS) {
        const plan = { projects, pipelines, jobs };
        if (failedPipelinesComplexity(plan) <= maxComplexity) return plan;
      }
    }
  }
  return undefined;
}

/**
 * A smaller plan after GitLab refused `tried` with `score` over `limit`: the
 * budget shrinks by how far GitLab's score was from ours, and always below
 * the plan refused, so retrying ends. Undefined when nothing smaller fits.
 */
export function replanFailedPipelines(
  tried: FailedPipelinesPlan,
  score: number,
  limit: number,
): FailedPipelinesPlan | undefined {
  const ours = failedPipelinesComplexity(tried);
  const budget = Math.min(Math.floor((limit * ours) / Math.max(score, 1)), ours - 1);
  return planFailedPipelines(budget);
}
