import { z } from 'zod';

// Only the fields the bot reads, and lenient: GitLab adds fields between
// versions, and some older versions omit a few of these.

export const User = z.object({
  id: z.number(),
  username: z.string(),
  name: z.string().catch(''),
  bot: z.boolean().optional().catch(undefined),
});

export const ProjectBasic = z.object({
  id: z.number(),
  path_with_namespace: z.string(),
  web_url: z.string().catch(''),
});

export const ProjectFull = ProjectBasic.extend({
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
});

export const Pipeline = z.object({
  id: z.number(),
  iid: z.number().optional(),
  project_id: z.number(),
  ref: z.string(),
  sha: z.string(),
  source: z.string().optional(),
  status: z.string().optional(),
  web_url: z.string().optional(),
});

export const Job = z.object({
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
});

export const JobTokenScope = z.object({
  inbound_enabled: z.boolean(),
  outbound_enabled: z.boolean().optional(),
});

export const Group = z.object({
  id: z.number(),
  full_path: z.string().optional(),
  web_url: z.string().optional(),
  name: z.string().optional(),
});

export const Member = z.object({
  id: z.number(),
  username: z.string(),
  access_level: z.number(),
});

export const RegistryRepository = z.object({
  id: z.number(),
  name: z.string().catch(''),
  path: z.string(),
  location: z.string().catch(''),
  tags_count: z.number().optional(),
});

export const RegistryTag = z.object({ name: z.string() });

export const MergeRequest = z.object({
  iid: z.number(),
  project_id: z.number(),
  title: z.string().catch(''),
  source_branch: z.string(),
  state: z.string(),
  web_url: z.string().catch(''),
  author: z.object({ id: z.number() }).optional().catch(undefined),
});

export const Note = z.object({
  id: z.number(),
  body: z.string().catch(''),
  author: z.object({ id: z.number(), username: z.string().catch('') }),
  system: z.boolean().catch(false),
  created_at: z.string(),
  updated_at: z.string().optional(),
});

export const CommitDiscussion = z.object({
  id: z.string(),
  notes: z.array(Note),
});

export const Metadata = z.object({
  version: z.string(),
  revision: z.string().optional(),
});

/** Answers whose body the bot does not read (204 gives null). */
export const AnyBody = z.unknown();

export const AwardEmoji = z.object({
  id: z.number(),
  name: z.string(),
  user: z.object({ id: z.number(), username: z.string().catch('') }),
  created_at: z.string().catch(''),
});

/** A raw file's text (the client turns a Blob into text first). */
export const Text = z.string();

export const Package = z.object({
  name: z.string(),
  version: z.string().catch(''),
  package_type: z.string().catch(''),
  project_id: z.number().optional(),
});
