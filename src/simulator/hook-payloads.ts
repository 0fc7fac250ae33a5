/**
 * Webhook payloads in GitLab's shapes (Job, Pipeline, Note and Emoji hooks,
 * as lib/gitlab/data_builder builds them), from the world's state.
 */
import type { AwardEmoji, Job, Note, Pipeline, Project, User, WorldEvent } from './types.js';
import type { World } from './world.js';

/** `2016-08-12 15:23:28 UTC`, the format most hook payloads use. */
function hookTime(date: Date | null): string | null {
  return date ? `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC` : null;
}

function seconds(from: Date | null, to: Date | null): number | null {
  return from && to ? (to.getTime() - from.getTime()) / 1000 : null;
}

function userHook(world: World, user: User | undefined) {
  if (!user) return null;
  return {
    id: user.id,
    name: user.name,
    username: user.username,
    avatar_url: `${world.externalUrl}/uploads/-/system/user/avatar/${user.id}/avatar.png`,
    email: '[REDACTED]',
  };
}

function projectHook(world: World, project: Project) {
  const gitHttp = `${world.externalUrl}/${project.pathWithNamespace}.git`;
  const gitSsh = `git@${new URL(world.externalUrl).host}:${project.pathWithNamespace}.git`;
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    web_url: `${world.externalUrl}/${project.pathWithNamespace}`,
    avatar_url: null,
    git_ssh_url: gitSsh,
    git_http_url: gitHttp,
    namespace: world.namespace(project.namespaceId)?.name ?? '',
    visibility_level: { private: 0, internal: 10, public: 20 }[project.visibility],
    path_with_namespace: project.pathWithNamespace,
    default_branch: project.defaultBranch,
    ci_config_path: null,
  };
}

function repositoryHook(world: World, project: Project) {
  return {
    name: project.name,
    url: `${world.externalUrl}/${project.pathWithNamespace}.git`,
    description: project.description,
    homepage: `${world.externalUrl}/${project.pathWithNamespace}`,
  };
}

function commitHook(world: World, project: Project, sha: string) {
  const commit = project.commits.get(sha);
  return {
    id: sha,
    message: commit?.message ?? '',
    title: commit?.title ?? '',
    timestamp: commit?.createdAt.toISOString() ?? null,
    url: `${world.externalUrl}/${project.pathWithNamespace}/-/commit/${sha}`,
    author: { name: commit?.authorName ?? '', email: commit?.authorEmail ?? '' },
  };
}

function mergeRequestHook(world: World, project: Project, iid: number) {
  const mr = world.mergeRequest(project.id, iid);
  if (!mr) return null;
  return {
    id: mr.id,
    iid: mr.iid,
    title: mr.title,
    source_branch: mr.sourceBranch,
    source_project_id: project.id,
    target_branch: mr.targetBranch,
    target_project_id: project.id,
    author_id: mr.authorId,
    state: mr.state,
    created_at: hookTime(mr.createdAt),
    updated_at: hookTime(mr.updatedAt),
    url: `${world.externalUrl}/${project.pathWithNamespace}/-/merge_requests/${mr.iid}`,
  };
}

/** `object_kind: build`: one job changed status. `commit.id` is the pipeline id, as in GitLab. */
export function jobPayload(world: World, job: Job) {
  const project = world.requireProject(job.projectId);
  const pipeline = world.pipeline(job.pipelineId);
  const commit = project.commits.get(pipeline?.sha ?? '');
  return {
    object_kind: 'build',
    ref: job.ref,
    tag: pipeline?.tag ?? false,
    before_sha: pipeline?.beforeSha ?? '',
    sha: pipeline?.sha ?? '',
    retries_count: world
      .jobsOf(job.pipelineId, true)
      .filter((j) => j.name === job.name && j.retried).length,
    build_id: job.id,
    build_name: job.name,
    build_stage: job.stage,
    build_status: job.status,
    build_created_at: job.createdAt.toISOString(),
    build_started_at: job.startedAt?.toISOString() ?? null,
    build_finished_at: job.finishedAt?.toISOString() ?? null,
    build_duration: seconds(job.startedAt, job.finishedAt),
    build_queued_duration: job.queuedDuration,
    build_allow_failure: job.allowFailure,
    build_failure_reason: job.failureReason ?? 'unknown_failure',
    pipeline_id: job.pipelineId,
    project_id: project.id,
    project_name: project.nameWithNamespace,
    user: userHook(world, world.user(job.userId)),
    commit: {
      id: job.pipelineId,
      name: null,
      sha: pipeline?.sha ?? '',
      message: commit?.message ?? '',
      author_name: commit?.authorName ?? '',
      author_email: commit?.authorEmail ?? '',
      author_url: null,
      status: pipeline?.status ?? job.status,
      duration: pipeline ? seconds(pipeline.startedAt, pipeline.finishedAt) : null,
      started_at: hookTime(pipeline?.startedAt ?? null),
      finished_at: hookTime(pipeline?.finishedAt ?? null),
    },
    repository: repositoryHook(world, project),
    project: projectHook(world, project),
    runner: {
      id: world.runner.id,
      description: world.runner.description,
      runner_type: 'instance_type',
      active: true,
      is_shared: true,
      tags: [],
    },
    environment: null,
  };
}

const MR_REF = /^refs\/merge-requests\/(?<iid>\d+)\/(?:head|merge|train)$/;

/** `object_kind: pipeline`: the pipeline and its latest jobs (`builds`). */
export function pipelinePayload(world: World, pipeline: Pipeline) {
  const project = world.requireProject(pipeline.projectId);
  const jobs = world.jobsOf(pipeline.id);
  const iid = MR_REF.exec(pipeline.ref)?.groups?.iid;
  return {
    object_kind: 'pipeline',
    object_attributes: {
      id: pipeline.id,
      iid: pipeline.iid,
      name: null,
      ref: pipeline.ref,
      tag: pipeline.tag,
      sha: pipeline.sha,
      before_sha: pipeline.beforeSha,
      source: pipeline.source,
      status: pipeline.status,
      detailed_status: pipeline.status,
      stages: [...new Set(jobs.map((j) => j.stage))],
      created_at: hookTime(pipeline.createdAt),
      finished_at: hookTime(pipeline.finishedAt),
      duration: seconds(pipeline.startedAt, pipeline.finishedAt),
      queued_duration: null,
      variables: [],
      url: `${world.externalUrl}/${project.pathWithNamespace}/-/pipelines/${pipeline.id}`,
    },
    merge_request: iid === undefined ? null : mergeRequestHook(world, project, Number(iid)),
    user: userHook(world, world.user(pipeline.userId)),
    project: projectHook(world, project),
    commit: commitHook(world, project, pipeline.sha),
    builds: jobs.map((job) => ({
      id: job.id,
      stage: job.stage,
      name: job.name,
      status: job.status,
      created_at: hookTime(job.createdAt),
      started_at: hookTime(job.startedAt),
      finished_at: hookTime(job.finishedAt),
      duration: seconds(job.startedAt, job.finishedAt),
      queued_duration: job.queuedDuration,
      failure_reason: job.status === 'failed' ? job.failureReason : null,
      when: 'on_success',
      manual: false,
      allow_failure: job.allowFailure,
      user: userHook(world, world.user(job.userId)),
      runner: null,
      artifacts_file: { filename: null, size: null },
      environment: null,
    })),
  };
}

function noteAttributes(world: World, project: Project, note: Note) {
  const where =
    note.noteableType === 'MergeRequest'
      ? `merge_requests/${note.noteableIid}`
      : `commit/${note.commitSha}`;
  return {
    id: note.id,
    note: note.body,
    noteable_type: note.noteableType,
    author_id: note.authorId,
    created_at: hookTime(note.createdAt),
    updated_at: hookTime(note.updatedAt),
    project_id: project.id,
    attachment: null,
    line_code: null,
    commit_id: note.commitSha ?? '',
    noteable_id: note.noteableId,
    discussion_id: note.discussionId,
    system: note.system,
    st_diff: null,
    type: note.type,
    action: 'create',
    url: `${world.externalUrl}/${project.pathWithNamespace}/-/${where}#note_${note.id}`,
  };
}

/** `object_kind: note`, with the merge request or the commit it is on. */
export function notePayload(world: World, note: Note) {
  const project = world.requireProject(note.projectId);
  return {
    object_kind: 'note',
    event_type: 'note',
    user: userHook(world, world.user(note.authorId)),
    project_id: project.id,
    project: projectHook(world, project),
    repository: repositoryHook(world, project),
    object_attributes: noteAttributes(world, project, note),
    ...(note.noteableType === 'MergeRequest' && note.noteableIid !== null
      ? { merge_request: mergeRequestHook(world, project, note.noteableIid) }
      : { commit: commitHook(world, project, note.commitSha ?? '') }),
  };
}

/** `object_kind: emoji`: a reaction given or removed, with the note it is on. */
export function emojiPayload(
  world: World,
  award: AwardEmoji,
  note: Note,
  action: 'award' | 'revoke',
) {
  const project = world.requireProject(note.projectId);
  const attributes = noteAttributes(world, project, note);
  return {
    object_kind: 'emoji',
    event_type: action,
    user: userHook(world, world.user(award.userId)),
    project_id: project.id,
    project: projectHook(world, project),
    object_attributes: {
      user_id: award.userId,
      created_at: hookTime(award.createdAt),
      id: award.id,
      name: award.name,
      awardable_type: award.awardableType,
      awardable_id: award.awardableId,
      updated_at: hookTime(award.updatedAt),
      action,
      awarded_on_url: attributes.url,
    },
    note: { ...attributes, description: note.body },
    ...(note.noteableType === 'MergeRequest' && note.noteableIid !== null
      ? { merge_request: mergeRequestHook(world, project, note.noteableIid) }
      : { commit: commitHook(world, project, note.commitSha ?? '') }),
  };
}

/** The hook event an event belongs to: its flag, header and payload. */
export function hookEventOf(world: World, event: WorldEvent) {
  switch (event.kind) {
    case 'job':
      return { flag: 'job_events', header: 'Job Hook', payload: jobPayload(world, event.job) };
    case 'pipeline':
      return {
        flag: 'pipeline_events',
        header: 'Pipeline Hook',
        payload: pipelinePayload(world, event.pipeline),
      };
    case 'note':
      return { flag: 'note_events', header: 'Note Hook', payload: notePayload(world, event.note) };
    case 'emoji':
      return {
        flag: 'emoji_events',
        header: 'Emoji Hook',
        payload: emojiPayload(world, event.award, event.note, event.action),
      };
  }
}
