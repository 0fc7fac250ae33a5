import { z } from 'zod';
import type {
  AwardEmoji as AwardEmojiOut,
  CiLint as CiLintOut,
  Issue as IssueOut,
  CommitDiscussion as CommitDiscussionOut,
  GitlabUser,
  GroupRef,
  Job as JobOut,
  Member as MemberOut,
  MergeRequest as MergeRequestOut,
  Note as NoteOut,
  PackageInfo,
  PipelineRef,
  Project,
  ProjectHook as ProjectHookOut,
  ProjectRef,
  RegistryRepository as RegistryRepositoryOut,
} from './port.js';

// Only the fields the bot reads, and lenient: GitLab adds fields between
// versions, and some older versions omit a few of these. Each schema turns
// GitLab's shape into the port's, so the adapter only calls and parses.

export const User = z
  .object({
    id: z.number(),
    username: z.string(),
    name: z.string().catch(''),
    bot: z.boolean().optional().catch(undefined),
    // Only in GET /user answered to an admin (Entities::UserWithAdmin).
    is_admin: z.boolean().optional().catch(undefined),
  })
  .transform((row): GitlabUser => ({
    id: row.id,
    username: row.username,
    name: row.name,
    ...(row.bot ? { bot: true } : {}),
    ...(row.is_admin ? { isAdmin: true } : {}),
  }));

const ProjectBasicRow = z.object({
  id: z.number(),
  path_with_namespace: z.string(),
  web_url: z.string().catch(''),
});

function toProjectRef(row: z.infer<typeof ProjectBasicRow>): ProjectRef {
  return { id: row.id, pathWithNamespace: row.path_with_namespace, webUrl: row.web_url };
}

export const ProjectBasic = ProjectBasicRow.transform(toProjectRef);

export const ProjectFull = ProjectBasicRow.extend({
  name: z.string().catch(''),
  visibility: z.enum(['private', 'internal', 'public']).catch('private'),
  namespace: z
    .object({ id: z.number(), full_path: z.string(), kind: z.string().catch('group') })
    .catch({ id: 0, full_path: '', kind: 'group' }),
  container_registry_image_prefix: z.string().optional().catch(undefined),
  container_registry_access_level: z
    .enum(['enabled', 'private', 'disabled'])
    .optional()
    .catch(undefined),
  permissions: z
    .object({
      project_access: z.object({ access_level: z.number() }).nullable().optional(),
      group_access: z.object({ access_level: z.number() }).nullable().optional(),
    })
    .optional()
    .catch(undefined),
}).transform((row): Project => {
  const project: Project = {
    ...toProjectRef(row),
    name: row.name,
    visibility: row.visibility,
    namespace: {
      id: row.namespace.id,
      fullPath: row.namespace.full_path,
      kind: row.namespace.kind,
    },
    callerAccessLevel: Math.max(
      row.permissions?.project_access?.access_level ?? 0,
      row.permissions?.group_access?.access_level ?? 0,
    ),
  };
  if (row.container_registry_image_prefix) {
    project.containerRegistryImagePrefix = row.container_registry_image_prefix;
  }
  if (row.container_registry_access_level) {
    project.containerRegistryAccessLevel = row.container_registry_access_level;
  }
  return project;
});

export const Pipeline = z
  .object({
    id: z.number(),
    iid: z.number().optional(),
    project_id: z.number(),
    ref: z.string(),
    sha: z.string(),
    source: z.string().optional(),
    status: z.string().optional(),
    web_url: z.string().optional(),
  })
  .transform((row): PipelineRef => {
    const pipeline: PipelineRef = {
      id: row.id,
      projectId: row.project_id,
      ref: row.ref,
      sha: row.sha,
    };
    if (row.iid !== undefined) pipeline.iid = row.iid;
    if (row.source) pipeline.source = row.source;
    if (row.status) pipeline.status = row.status;
    if (row.web_url) pipeline.webUrl = row.web_url;
    return pipeline;
  });

export const Job = z
  .object({
    id: z.number(),
    name: z.string(),
    stage: z.string().catch(''),
    status: z.string(),
    failure_reason: z.string().nullable().optional(),
    web_url: z.string().catch(''),
    ref: z.string().catch(''),
    created_at: z.string(),
    finished_at: z.string().nullable().optional(),
    allow_failure: z.boolean().catch(false),
    pipeline: Pipeline,
    user: User.nullable().optional(),
  })
  .transform((row): JobOut => {
    const job: JobOut = {
      id: row.id,
      name: row.name,
      stage: row.stage,
      status: row.status,
      webUrl: row.web_url,
      ref: row.ref,
      createdAt: row.created_at,
      pipeline: row.pipeline,
      allowFailure: row.allow_failure,
    };
    if (row.failure_reason) job.failureReason = row.failure_reason;
    if (row.finished_at) job.finishedAt = row.finished_at;
    if (row.user) job.user = row.user;
    return job;
  });

export const JobTokenScope = z
  .object({
    inbound_enabled: z.boolean(),
    outbound_enabled: z.boolean().optional(),
  })
  .transform((row) => ({
    inboundEnabled: row.inbound_enabled,
    outboundEnabled: row.outbound_enabled,
  }));

export const Group = z
  .object({
    id: z.number(),
    full_path: z.string().optional(),
    web_url: z.string().optional(),
    name: z.string().optional(),
    visibility: z.enum(['private', 'internal', 'public']).optional().catch(undefined),
    parent_id: z.number().nullable().optional(),
  })
  .transform((row): GroupRef => {
    // The allowlist lists groups without their path; a group's name may differ from it, but
    // its address is `<GitLab>/groups/<full path>`. The name is never taken for the path.
    const fromUrl = row.web_url
      ? /\/groups\/(?<path>[^?#]+?)\/?$/.exec(row.web_url)?.groups?.path
      : undefined;
    const group: GroupRef = {
      id: row.id,
      fullPath: row.full_path ?? (fromUrl ? decodedPath(fromUrl) : undefined) ?? String(row.id),
    };
    if (row.web_url) group.webUrl = row.web_url;
    if (row.visibility) group.visibility = row.visibility;
    if (row.parent_id !== undefined) group.parentId = row.parent_id;
    return group;
  });

export const Member = z
  .object({
    id: z.number(),
    username: z.string(),
    access_level: z.number(),
  })
  .transform((row): MemberOut => ({
    userId: row.id,
    username: row.username,
    accessLevel: row.access_level,
  }));

export const RegistryRepository = z
  .object({
    id: z.number(),
    name: z.string().catch(''),
    path: z.string(),
    location: z.string().catch(''),
    tags_count: z.number().optional(),
  })
  .transform((row): RegistryRepositoryOut => {
    const repository: RegistryRepositoryOut = {
      id: row.id,
      name: row.name,
      path: row.path,
      location: row.location,
    };
    if (row.tags_count !== undefined) repository.tagsCount = row.tags_count;
    return repository;
  });

export const RegistryTag = z.object({ name: z.string() }).transform((row) => row.name);

export const MergeRequest = z
  .object({
    iid: z.number(),
    project_id: z.number(),
    title: z.string().catch(''),
    source_branch: z.string(),
    state: z.string(),
    web_url: z.string().catch(''),
    author: z.object({ id: z.number() }).optional().catch(undefined),
  })
  .transform((row): MergeRequestOut => {
    const mr: MergeRequestOut = {
      iid: row.iid,
      projectId: row.project_id,
      title: row.title,
      sourceBranch: row.source_branch,
      state: row.state,
      webUrl: row.web_url,
    };
    if (row.author) mr.authorId = row.author.id;
    return mr;
  });

export const Note = z
  .object({
    id: z.number(),
    body: z.string().catch(''),
    author: z.object({ id: z.number(), username: z.string().catch('') }),
    system: z.boolean().catch(false),
    created_at: z.string(),
    updated_at: z.string().optional(),
  })
  .transform((row): NoteOut => {
    const note: NoteOut = {
      id: row.id,
      body: row.body,
      authorId: row.author.id,
      authorUsername: row.author.username,
      system: row.system,
      createdAt: row.created_at,
    };
    if (row.updated_at) note.updatedAt = row.updated_at;
    return note;
  });

export const CommitDiscussion = z
  .object({
    id: z.string(),
    notes: z.array(Note),
  })
  .transform((row): CommitDiscussionOut => ({ id: row.id, notes: row.notes }));

export const Metadata = z.object({
  version: z.string(),
  revision: z.string().optional(),
});

/** Answers whose body the bot does not read (204 gives null). */
export const AnyBody = z.unknown();

export const AwardEmoji = z
  .object({
    id: z.number(),
    name: z.string(),
    user: z.object({ id: z.number(), username: z.string().catch('') }),
    created_at: z.string().catch(''),
  })
  .transform((row): AwardEmojiOut => ({
    id: row.id,
    name: row.name,
    userId: row.user.id,
    username: row.user.username,
    createdAt: row.created_at,
  }));

/** A raw file's text (the client turns a Blob into text first). */
export const Text = z.string();

export const Package = z
  .object({
    name: z.string(),
    version: z.string().catch(''),
    package_type: z.string().catch(''),
    project_id: z.number().optional(),
  })
  .transform((row): PackageInfo => ({
    name: row.name,
    version: row.version,
    packageType: row.package_type,
    ...(row.project_id !== undefined ? { projectId: row.project_id } : {}),
  }));

/** `GET /projects/:id/ci/lint` (`Entities::Ci::Lint::Result`). */
export const CiLint = z
  .object({
    valid: z.boolean(),
    errors: z.array(z.string()).catch([]),
    merged_yaml: z.string().nullable().optional().catch(undefined),
  })
  .transform((row): CiLintOut => ({
    valid: row.valid,
    errors: row.errors,
    ...(row.merged_yaml ? { mergedYaml: row.merged_yaml } : {}),
  }));

export const Issue = z
  .object({
    iid: z.number(),
    project_id: z.number(),
    title: z.string(),
    description: z.string().nullable().catch(''),
    state: z.enum(['opened', 'closed']).catch('opened'),
    web_url: z.string().catch(''),
    author: z.object({ id: z.number() }).nullable().optional().catch(undefined),
    created_at: z.string().catch(''),
  })
  .transform((row): IssueOut => ({
    iid: row.iid,
    projectId: row.project_id,
    title: row.title,
    description: row.description ?? '',
    state: row.state,
    webUrl: row.web_url,
    ...(row.author ? { authorId: row.author.id } : {}),
    createdAt: row.created_at,
  }));

export const ProjectHook = z
  .object({
    id: z.number(),
    url: z.string(),
    job_events: z.boolean().catch(false),
    pipeline_events: z.boolean().catch(false),
    note_events: z.boolean().catch(false),
    // Absent before 16.2, where emoji hooks do not exist.
    emoji_events: z.boolean().optional().catch(undefined),
  })
  .transform((row): ProjectHookOut => ({
    id: row.id,
    url: row.url,
    jobEvents: row.job_events,
    pipelineEvents: row.pipeline_events,
    noteEvents: row.note_events,
    emojiEvents: row.emoji_events ?? false,
  }));

/** A percent-decoded path; a malformed escape keeps the text as GitLab wrote it. */
function decodedPath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
