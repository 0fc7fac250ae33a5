import { describe, expect, it } from 'vitest';
import {
  failedPipelinesComplexity,
  planFailedPipelines,
  replanFailedPipelines,
} from '../../src/gitlab/failed-pipelines-plan.js';

describe('planning failed-pipelines queries', () => {
  it('asks for 100 projects per query within the limit GitLab gives a signed-in user', () => {
    const plan = planFailedPipelines(250);

    expect(plan).toEqual({ projects: 100, pipelines: 20, jobs: 50 });
    expect(failedPipelinesComplexity(plan ?? { projects: 0, pipelines: 0, jobs: 0 })).toBe(44);
  });

  it('shrinks by how far GitLab scored above the planner', () => {
    const tried = { projects: 100, pipelines: 20, jobs: 50 };

    // GitLab scored 88 (twice ours) against a limit of 50: our budget becomes 25.
    const plan = replanFailedPipelines(tried, 88, 50);

    expect(plan).toBeDefined();
    expect(failedPipelinesComplexity(plan ?? tried)).toBeLessThanOrEqual(25);
  });

  it('always plans smaller after a refusal, and ends when nothing fits', () => {
    let plan = planFailedPipelines(250);
    const costs: number[] = [];
    while (plan) {
      costs.push(failedPipelinesComplexity(plan));
      // A GitLab that refuses everything, scoring each query as the planner does.
      plan = replanFailedPipelines(plan, failedPipelinesComplexity(plan), 1_000);
    }

    expect(costs.length).toBeGreaterThan(3);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    expect(new Set(costs).size).toBe(costs.length);
  });
});
