/**
 * The tiny "CI runner": runs a job spec against the world (image pulls through the rules,
 * runner log, status) and derives pipeline status from the latest jobs.
 */
import {
  downloadNeededArtifacts,
  findNeededJob,
  runSubmodules,
  runTokenSteps,
  type StepsContext,
  type StepsView,
} from './job-steps.js';
import type { PullDecision } from './types.js';
import type { PullAttempt } from './runner-log.js';
import { planJobLog } from './runner-log.js';
import type { Job, JobSpec, Pipeline, Project, RunnerInfo } from './types.js';

/** The slice of the world the runner uses. `World` implements it. */
export interface CiView extends StepsView {
  readonly runner: RunnerInfo;
  readonly jobs: Job[];
  now(): Date;
  requireProject(id: number): Project;
  evaluatePull(projectId: number, userId: number, image: string): PullDecision;
  jobsOf(pipelineId: number): Job[];
}

const FINISHED: readonly string[] = ['success', 'failed', 'canceled'];

/** Runs one job of `pipeline` as `userId` and stores it under the given (fresh) id. */
export function executeJob(
  world: CiView,
  pipeline: Pipeline,
  spec: JobSpec,
  userId: number,
  id: number,
): Job {
  const project = world.requireProject(pipeline.projectId);
  const images = [
    ...(spec.services ?? []).map((image) => ({ image, service: true })),
    { image: spec.image, service: false },
  ];
  const pulls: PullAttempt[] = [];
  // The runner stops at the first image it cannot pull.
  for (const { image, service } of images) {
    const decision = world.evaluatePull(project.id, userId, image);
    pulls.push({ image, service, decision });
    if (!decision.ok) break;
  }
  const ctx: StepsContext = {
    projectId: project.id,
    projectPath: project.pathWithNamespace,
    userId,
    jobId: id,
  };
  const pulled = pulls.every((p) => p.decision.ok);
  // GitLab does not start a job whose needs:project job has never succeeded on that ref.
  const missingDependency = (spec.needs ?? []).some((need) => !findNeededJob(world, need));
  const plan = planJobLog({
    jobId: id,
    projectId: project.id,
    projectPath: project.pathWithNamespace,
    ref: pipeline.ref,
    sha: pipeline.sha,
    executor: spec.executor ?? 'docker',
    image: spec.image,
    pulls,
    script: spec.script ?? [],
    scriptOutput: spec.scriptOutput ?? [],
    exitCode: spec.exitCode ?? 0,
    runner: world.runner,
    gitlabHost: new URL(world.externalUrl).host,
    timestamps: spec.timestamps ?? false,
    ...(pulled && spec.submodules?.length
      ? { submodules: runSubmodules(world, ctx, spec.submodules) }
      : {}),
    ...(pulled && spec.needs?.length && !missingDependency
      ? { artifacts: downloadNeededArtifacts(world, ctx, spec.needs) }
      : {}),
    ...(pulled && spec.tokenSteps?.length
      ? { steps: runTokenSteps(world, ctx, spec.tokenSteps) }
      : {}),
  });
  // Jobs "already ran": they finish now, so no timestamp lies in the future.
  const finishedAt = world.now();
  const startedAt = new Date(finishedAt.getTime() - plan.durationMs);
  const queuedDuration = 1.2;
  const job: Job = {
    id,
    pipelineId: pipeline.id,
    projectId: project.id,
    name: spec.name,
    stage: spec.stage ?? 'test',
    ref: pipeline.ref,
    spec,
    status: missingDependency ? 'failed' : plan.status,
    failureReason: missingDependency ? 'missing_dependency_failure' : plan.failureReason,
    userId,
    allowFailure: spec.allowFailure ?? false,
    retried: false,
    createdAt: new Date(startedAt.getTime() - queuedDuration * 1000),
    startedAt,
    finishedAt,
    queuedDuration,
    log: missingDependency ? '' : plan.render(startedAt),
    pulls: pulls.map(({ image, decision }) => ({ image, decision })),
    runnerId: world.runner.id,
  };
  world.jobs.push(job);
  pipeline.jobIds.push(job.id);
  return job;
}

/** Recomputes a pipeline's status and times from its latest (non-retried) jobs. */
export function refreshPipelineStatus(world: CiView, pipeline: Pipeline): void {
  const latest = world.jobsOf(pipeline.id);
  const failed = latest.some((j) => j.status === 'failed' && !j.allowFailure);
  const done = latest.every((j) => FINISHED.includes(j.status));
  pipeline.status = failed ? 'failed' : !done ? 'running' : latest.length ? 'success' : 'created';
  const starts = latest.flatMap((j) => (j.startedAt ? [j.startedAt.getTime()] : []));
  const ends = latest.flatMap((j) => (j.finishedAt ? [j.finishedAt.getTime()] : []));
  pipeline.startedAt = starts.length ? new Date(Math.min(...starts)) : null;
  pipeline.finishedAt = done && ends.length ? new Date(Math.max(...ends)) : null;
  pipeline.updatedAt = world.now();
}
