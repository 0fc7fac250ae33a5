/**
 * JSON presenters: world entities rendered the way GitLab's `API::Entities::*` render them
 * (snake_case, same field names, `null` where GitLab sends null). Only fields a client could
 * plausibly read are included; they are in GitLab's order to ease comparison with real answers.
 */
import { ACCESS, groupAccessLevel, isAdmin, projectAccessLevel, versionAtLeast } from './rules.js';
import { sha256Hex } from './ids.js';
import type {
  AwardEmoji,
  Commit,
  Discussion,
  Group,
  Job,
  MergeRequest,
  Namespace,
  Note,
  Pipeline,
  Project,
  RegistryRepository,
  RegistryTag,
  User,
} from './types.js';
import type { World } from './world.js';

type Json = Record<string, unknown>;

/** GitLab's API timestamp format (`2025-05-12T09:13:58.201Z`). */
export function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

function avatarUrl(email: string): string {
  return `https://www.gravatar.com/avatar/${sha256Hex(email.toLowerCase())}?s=80&d=identicon`;
}

/** `Entities::UserBasic`. */
export function userBasic(world: World, user: User): Json {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: user.state,
    locked: false,
    avatar_url: avatarUrl(user.email),
    web_url: `${world.externalUrl}/${user.username}`,
  };
}

/** `Entities::User` (what jobs embed as `user`). */
export function userFull(world: World, user: User): Json {
  return {
    ...userBasic(world, user),
    created_at: iso(user.createdAt),
    bio: '',
    location: '',
    public_email: null,
    skype: '',
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    organization: '',
    job_title: '',
    pronouns: null,
    bot: user.bot,
    work_information: null,
    followers: 0,
    following: 0,
    local_time: null,
  };
}

/** `GET /user`: `UserPublic`, or `UserWithAdmin` (adds `is_admin` …) for admins. */
export function currentUser(world: World, user: User): Json {
  const json: Json = {
    ...userFull(world, user),
    last_sign_in_at: iso(user.createdAt),
    confirmed_at: iso(user.createdAt),
    last_activity_on: iso(world.now())?.slice(0, 10),
    email: user.email,
    theme_id: 3,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: iso(user.createdAt),
    identities: [],
    can_create_group: !user.bot,
    can_create_project: !user.bot,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: user.email,
  };
  if (user.admin) {
    Object.assign(json, {
      is_admin: true,
      note: null,
      namespace_id: user.namespaceId,
      created_by: null,
      email_reset_offered_at: null,
    });
  }
  return json;
}

function namespaceWebUrl(world: World, ns: Namespace): string {
  return ns.kind === 'group'
    ? `${world.externalUrl}/groups/${ns.fullPath}`
    : `${world.externalUrl}/${ns.fullPath}`;
}

/** `Entities::NamespaceBasic` as embedded in projects. */
export function namespaceEntity(world: World, ns: Namespace): Json {
  return {
    id: ns.id,
    name: ns.name,
    path: ns.path,
    kind: ns.kind,
    full_path: ns.fullPath,
    parent_id: ns.parentId,
    avatar_url: null,
    web_url: namespaceWebUrl(world, ns),
  };
}

function projectWebUrl(world: World, project: Project): string {
  return `${world.externalUrl}/${project.pathWithNamespace}`;
}

/** `Entities::BasicProjectDetails` (`simple=true`, allowlists). */
export function projectBasic(world: World, project: Project): Json {
  const ns = world.namespace(project.namespaceId);
  const host = new URL(world.externalUrl).host;
  return {
    id: project.id,
    description: project.description || null,
    name: project.name,
    name_with_namespace: project.nameWithNamespace,
    path: project.path,
    path_with_namespace: project.pathWithNamespace,
    created_at: iso(project.createdAt),
    default_branch: project.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@${host}:${project.pathWithNamespace}.git`,
    http_url_to_repo: `${projectWebUrl(world, project)}.git`,
    web_url: projectWebUrl(world, project),
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: iso(project.lastActivityAt),
    namespace: ns ? namespaceEntity(world, ns) : null,
  };
}

function access(level: number): Json | null {
  return level > 0 ? { access_level: level, notification_level: 3 } : null;
}

/** `Entities::Project` with `permissions` (`GET /projects/:id`, project lists). */
export function projectFull(world: World, project: Project, viewerId: number): Json {
  const api = `${world.externalUrl}/api/v4/projects/${project.id}`;
  const ns = world.namespace(project.namespaceId);
  const registry = project.containerRegistryAccessLevel;
  const canAdmin =
    isAdmin(world, viewerId) || projectAccessLevel(world, viewerId, project) >= ACCESS.maintainer;
  const json: Json = {
    ...projectBasic(world, project),
    container_registry_image_prefix: `${world.registryHost}/${project.pathWithNamespace.toLowerCase()}`,
    _links: {
      self: api,
      issues: `${api}/issues`,
      merge_requests: `${api}/merge_requests`,
      repo_branches: `${api}/repository/branches`,
      labels: `${api}/labels`,
      events: `${api}/events`,
      members: `${api}/members`,
      cluster_agents: `${api}/cluster_agents`,
    },
    packages_enabled: true,
    empty_repo: false,
    archived: false,
    visibility: project.visibility,
    ...(ns?.kind === 'user' && world.user(ns.ownerId)
      ? { owner: userBasic(world, world.user(ns.ownerId) as User) }
      : {}),
    resolve_outdated_diff_discussions: false,
    container_expiration_policy: {
      cadence: '1d',
      enabled: false,
      keep_n: 10,
      older_than: '90d',
      name_regex: '.*',
      name_regex_keep: null,
      next_run_at: iso(project.createdAt),
    },
    repository_object_format: 'sha1',
    issues_enabled: true,
    merge_requests_enabled: true,
    wiki_enabled: true,
    jobs_enabled: true,
    snippets_enabled: true,
    container_registry_enabled: registry !== 'disabled',
    service_desk_enabled: false,
    can_create_merge_request_in: projectAccessLevel(world, viewerId, project) >= ACCESS.developer,
    issues_access_level: 'enabled',
    repository_access_level: 'enabled',
    merge_requests_access_level: 'enabled',
    forking_access_level: 'enabled',
    wiki_access_level: 'enabled',
    builds_access_level: 'enabled',
    snippets_access_level: 'enabled',
    pages_access_level: 'private',
    analytics_access_level: 'enabled',
    container_registry_access_level: registry,
    security_and_compliance_access_level: 'private',
    releases_access_level: 'enabled',
    environments_access_level: 'enabled',
    feature_flags_access_level: 'enabled',
    infrastructure_access_level: 'enabled',
    monitor_access_level: 'enabled',
    model_experiments_access_level: 'enabled',
    model_registry_access_level: 'enabled',
    emails_disabled: false,
    emails_enabled: true,
    shared_runners_enabled: true,
    lfs_enabled: true,
    creator_id: ns?.kind === 'user' ? ns.ownerId : 1,
    import_status: 'none',
    open_issues_count: 0,
    description_html: project.description ? `<p>${project.description}</p>` : '',
    updated_at: iso(project.lastActivityAt),
    ci_config_path: null,
    public_jobs: true,
    shared_with_groups: [],
    only_allow_merge_if_pipeline_succeeds: false,
    allow_merge_on_skipped_pipeline: null,
    request_access_enabled: true,
    only_allow_merge_if_all_discussions_are_resolved: false,
    remove_source_branch_after_merge: true,
    printing_merge_request_link_enabled: true,
    merge_method: 'merge',
    squash_option: 'default_off',
    enforce_auth_checks_on_uploads: true,
    suggestion_commit_message: null,
    merge_commit_template: null,
    squash_commit_template: null,
    issue_branch_template: null,
    warn_about_potentially_unwanted_characters: true,
    autoclose_referenced_issues: true,
  };
  if (canAdmin) {
    // GitLab shows these only to users who can admin the project.
    Object.assign(json, {
      ci_default_git_depth: 20,
      ci_forward_deployment_enabled: true,
      ci_forward_deployment_rollback_allowed: true,
      // Legacy OUTBOUND flag ("Limit access from this project"), off for projects since 16.0.
      ci_job_token_scope_enabled: false,
      ci_separated_caches: true,
      ci_allow_fork_pipelines_to_run_in_parent_project: true,
      build_git_strategy: 'fetch',
      keep_latest_artifact: true,
      restrict_user_defined_variables: false,
      runner_token_expiration_interval: null,
      group_runners_enabled: true,
      auto_cancel_pending_pipelines: 'enabled',
      build_timeout: 3600,
      auto_devops_enabled: false,
      auto_devops_deploy_strategy: 'continuous',
    });
    if (versionAtLeast(world.version, '17.2.0')) {
      json.ci_push_repository_for_job_token_allowed = false;
    }
  }
  json.permissions = {
    project_access: access(project.members.get(viewerId) ?? 0),
    group_access: ns?.kind === 'group' ? access(groupAccessLevel(world, viewerId, ns.id)) : null,
  };
  return json;
}

/** `Entities::BasicGroupDetails` (group allowlists). */
export function groupBasic(world: World, group: Group): Json {
  return {
    id: group.id,
    web_url: namespaceWebUrl(world, group),
    name: group.name,
  };
}

/** `Entities::Group` (`GET /groups/:id`). */
export function groupEntity(world: World, group: Group): Json {
  return {
    id: group.id,
    web_url: namespaceWebUrl(world, group),
    name: group.name,
    path: group.path,
    description: group.description,
    visibility: group.visibility,
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    two_factor_grace_period: 48,
    project_creation_level: 'developer',
    auto_devops_enabled: null,
    subgroup_creation_level: 'maintainer',
    emails_disabled: false,
    emails_enabled: true,
    mentions_disabled: null,
    lfs_enabled: true,
    default_branch: null,
    default_branch_protection: 2,
    avatar_url: null,
    request_access_enabled: true,
    full_name: group.fullName,
    full_path: group.fullPath,
    created_at: iso(group.createdAt),
    parent_id: group.parentId,
    organization_id: 1,
    shared_runners_setting: 'enabled',
    ldap_cn: null,
    ldap_access: null,
    wiki_access_level: 'enabled',
    shared_with_groups: [],
    prevent_sharing_groups_outside_hierarchy: false,
  };
}

/** `Entities::Commit`. */
export function commitEntity(world: World, project: Project, commit: Commit): Json {
  const at = iso(commit.createdAt);
  return {
    id: commit.id,
    short_id: commit.shortId,
    created_at: at,
    parent_ids: commit.parentIds,
    title: commit.title,
    message: commit.message,
    author_name: commit.authorName,
    author_email: commit.authorEmail,
    authored_date: at,
    committer_name: commit.authorName,
    committer_email: commit.authorEmail,
    committed_date: at,
    trailers: {},
    extended_trailers: {},
    web_url: `${projectWebUrl(world, project)}/-/commit/${commit.id}`,
  };
}

function pipelineWebUrl(world: World, pipeline: Pipeline): string {
  const project = world.project(pipeline.projectId);
  return `${world.externalUrl}/${project?.pathWithNamespace ?? ''}/-/pipelines/${pipeline.id}`;
}

/** `Entities::Ci::PipelineBasic` (lists, and embedded in jobs). */
export function pipelineBasic(world: World, pipeline: Pipeline): Json {
  return {
    id: pipeline.id,
    iid: pipeline.iid,
    project_id: pipeline.projectId,
    sha: pipeline.sha,
    ref: pipeline.ref,
    status: pipeline.status,
    source: pipeline.source,
    created_at: iso(pipeline.createdAt),
    updated_at: iso(pipeline.updatedAt),
    web_url: pipelineWebUrl(world, pipeline),
  };
}

function seconds(from: Date | null, to: Date | null): number | null {
  return from && to ? (to.getTime() - from.getTime()) / 1000 : null;
}

/** `Entities::Ci::Pipeline` (`GET /projects/:id/pipelines/:pipeline_id`). */
export function pipelineDetail(world: World, pipeline: Pipeline): Json {
  const user = world.user(pipeline.userId);
  const project = world.project(pipeline.projectId);
  const status = pipeline.status;
  const text = status.charAt(0).toUpperCase() + status.slice(1);
  return {
    ...pipelineBasic(world, pipeline),
    before_sha: pipeline.beforeSha,
    tag: pipeline.tag,
    yaml_errors: null,
    user: user ? userBasic(world, user) : null,
    started_at: iso(pipeline.startedAt),
    finished_at: iso(pipeline.finishedAt),
    committed_at: null,
    duration: seconds(pipeline.startedAt, pipeline.finishedAt),
    queued_duration: 1.2,
    coverage: null,
    detailed_status: {
      icon: `status_${status}`,
      text,
      label: status === 'success' ? 'passed' : status,
      group: status,
      tooltip: status === 'success' ? 'passed' : status,
      has_details: true,
      details_path: `/${project?.pathWithNamespace ?? ''}/-/pipelines/${pipeline.id}`,
      illustration: null,
      favicon: `/assets/ci_favicons/favicon_status_${status}.png`,
    },
    name: null,
  };
}

/** `Entities::Ci::Job`, exactly the fields of the facts sheet §1.5. */
export function jobEntity(world: World, job: Job): Json {
  const pipeline = world.pipeline(job.pipelineId);
  const project = world.project(job.projectId);
  const user = world.user(job.userId);
  const commit = project && pipeline ? project.commits.get(pipeline.sha) : undefined;
  const json: Json = {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: job.ref,
    tag: false,
    coverage: null,
    allow_failure: job.allowFailure,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    erased_at: null,
    duration: seconds(job.startedAt, job.finishedAt),
    queued_duration: job.queuedDuration,
    user: user ? userFull(world, user) : null,
    commit: project && commit ? commitEntity(world, project, commit) : null,
    pipeline: pipeline ? pipelineBasic(world, pipeline) : null,
  };
  // GitLab exposes failure_reason only for failed jobs.
  if (job.status === 'failed') json.failure_reason = job.failureReason ?? 'unknown_failure';
  Object.assign(json, {
    web_url: `${world.externalUrl}/${project?.pathWithNamespace ?? ''}/-/jobs/${job.id}`,
    // Legacy OUTBOUND setting, not the inbound allowlist (facts sheet §1.5 pitfall).
    project: { ci_job_token_scope_enabled: false },
    artifacts: [],
    runner: {
      id: world.runner.id,
      description: world.runner.description,
      ip_address: null,
      active: true,
      paused: false,
      is_shared: true,
      runner_type: 'instance_type',
      name: 'gitlab-runner',
      online: true,
      status: 'online',
    },
    runner_manager: {
      id: world.runner.id,
      system_id: world.runner.systemId,
      version: world.runner.version,
      revision: world.runner.revision,
      platform: 'linux',
      architecture: 'amd64',
      created_at: iso(job.createdAt),
      contacted_at: iso(job.finishedAt),
      ip_address: '10.0.0.15',
      status: 'online',
    },
    artifacts_expire_at: null,
    archived: false,
    tag_list: [],
  });
  return json;
}

/** `Entities::MergeRequestBasic` / `MergeRequest`. */
export function mergeRequestEntity(world: World, mr: MergeRequest, detailed = false): Json {
  const project = world.project(mr.projectId);
  const author = world.user(mr.authorId);
  const path = project?.pathWithNamespace ?? '';
  const userNotes = world.notesOn(mr.projectId, mr.iid).filter((n) => !n.system).length;
  const json: Json = {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.projectId,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: iso(mr.createdAt),
    updated_at: iso(mr.updatedAt),
    merged_by: null,
    merge_user: null,
    merged_at: null,
    closed_by: null,
    closed_at: null,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    user_notes_count: userNotes,
    upvotes: 0,
    downvotes: 0,
    author: author ? userBasic(world, author) : null,
    assignees: [],
    assignee: null,
    reviewers: [],
    source_project_id: mr.projectId,
    target_project_id: mr.projectId,
    labels: [],
    draft: false,
    imported: false,
    imported_from: 'none',
    work_in_progress: false,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: 'can_be_merged',
    detailed_merge_status: 'mergeable',
    sha: mr.sha,
    merge_commit_sha: null,
    squash_commit_sha: null,
    discussion_locked: null,
    should_remove_source_branch: null,
    force_remove_source_branch: true,
    prepared_at: iso(mr.createdAt),
    reference: `!${mr.iid}`,
    references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${path}!${mr.iid}` },
    web_url: `${world.externalUrl}/${path}/-/merge_requests/${mr.iid}`,
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: false,
    squash_on_merge: false,
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: false,
    blocking_discussions_resolved: true,
  };
  if (detailed) {
    const mrRef = new RegExp(`^refs/merge-requests/${mr.iid}/`);
    const pipelines = world.pipelines.filter(
      (p) => p.projectId === mr.projectId && (mrRef.test(p.ref) || p.sha === mr.sha),
    );
    const head = pipelines[pipelines.length - 1];
    Object.assign(json, {
      subscribed: false,
      changes_count: '1',
      latest_build_started_at: iso(head?.startedAt),
      latest_build_finished_at: iso(head?.finishedAt),
      first_deployed_to_production_at: null,
      pipeline: head ? pipelineBasic(world, head) : null,
      head_pipeline: head ? pipelineDetail(world, head) : null,
      diff_refs: { base_sha: mr.sha, head_sha: mr.sha, start_sha: mr.sha },
      merge_error: null,
      first_contribution: false,
      user: { can_merge: false },
    });
  }
  return json;
}

/** `Entities::Note`. */
export function noteEntity(world: World, note: Note): Json {
  const author = world.user(note.authorId);
  const json: Json = {
    id: note.id,
    type: note.type,
    body: note.body,
    author: author ? userBasic(world, author) : null,
    created_at: iso(note.createdAt),
    updated_at: iso(note.updatedAt),
    system: note.system,
    noteable_id: note.noteableId,
    noteable_type: note.noteableType,
    project_id: note.projectId,
  };
  if (note.noteableType === 'Commit') json.commit_id = note.commitSha;
  Object.assign(json, {
    resolvable: false,
    confidential: note.internal,
    internal: note.internal,
    imported: false,
    imported_from: 'none',
    noteable_iid: note.noteableIid,
    commands_changes: {},
  });
  return json;
}

/** `Entities::Discussion`. */
export function discussionEntity(world: World, discussion: Discussion): Json {
  return {
    id: discussion.id,
    individual_note: discussion.individualNote,
    notes: discussion.notes.map((n) => noteEntity(world, n)),
  };
}

/** `Entities::AwardEmoji`. */
export function awardEntity(world: World, award: AwardEmoji): Json {
  const user = world.user(award.userId);
  return {
    id: award.id,
    name: award.name,
    user: user ? userBasic(world, user) : null,
    created_at: iso(award.createdAt),
    updated_at: iso(award.updatedAt),
    awardable_id: award.awardableId,
    awardable_type: award.awardableType,
    url: null,
  };
}

/** `Entities::Member` (with the effective level for `members/all`). */
export function memberEntity(world: World, user: User, level: number, since: Date): Json {
  return {
    ...userBasic(world, user),
    access_level: level,
    created_at: iso(since),
    created_by: null,
    expires_at: null,
    membership_state: 'active',
  };
}

/** `Entities::ContainerRegistry::Repository`. */
export function registryRepositoryEntity(
  world: World,
  repository: RegistryRepository,
  options: { tags?: boolean; tagsCount?: boolean } = {},
): Json {
  const json: Json = {
    id: repository.id,
    name: repository.name,
    path: repository.path,
    project_id: repository.projectId,
    location: `${world.registryHost}/${repository.path}`,
    created_at: iso(repository.createdAt),
    cleanup_policy_started_at: null,
    status: null,
  };
  if (options.tagsCount) json.tags_count = repository.tags.length;
  if (options.tags) json.tags = repository.tags.map((t) => registryTagBasic(world, repository, t));
  return json;
}

/** `Entities::ContainerRegistry::Tag` (lists). */
export function registryTagBasic(
  world: World,
  repository: RegistryRepository,
  tag: RegistryTag,
): Json {
  return {
    name: tag.name,
    path: `${repository.path}:${tag.name}`,
    location: `${world.registryHost}/${repository.path}:${tag.name}`,
  };
}

/** `Entities::ContainerRegistry::TagDetails`. */
export function registryTagDetail(
  world: World,
  repository: RegistryRepository,
  tag: RegistryTag,
): Json {
  return {
    ...registryTagBasic(world, repository, tag),
    revision: tag.revision,
    short_revision: tag.revision.slice(0, 9),
    digest: tag.digest,
    created_at: iso(tag.createdAt),
    total_size: tag.totalSize,
  };
}
