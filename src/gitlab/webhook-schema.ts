import { z } from 'zod';

// GitLab's webhook payloads (Job, Pipeline, Note and Emoji hooks), only the
// fields the bot reads. They say what happened, never what is allowed: the
// bot reads the job and the approvals again through the API.

const JobHook = z.object({
  object_kind: z.literal('build'),
  build_id: z.number(),
  build_status: z.string(),
  pipeline_id: z.number(),
  project_id: z.number(),
});

const PipelineHook = z.object({
  object_kind: z.literal('pipeline'),
  object_attributes: z.object({ id: z.number() }),
  project: z.object({ id: z.number() }),
  builds: z
    .array(z.object({ id: z.number(), status: z.string() }))
    .nullable()
    .catch([])
    .transform((builds) => builds ?? []),
});

const NoteHook = z.object({
  object_kind: z.literal('note'),
  project_id: z.number(),
  object_attributes: z.object({
    id: z.number(),
    noteable_type: z.string(),
    author_id: z.number(),
    note: z.string().catch(''),
  }),
  merge_request: z.object({ iid: z.number() }).nullish().catch(undefined),
  commit: z.object({ id: z.string() }).nullish().catch(undefined),
});

const EmojiHook = z.object({
  object_kind: z.literal('emoji'),
  event_type: z.string().optional(),
  project_id: z.number(),
  user: z.object({ id: z.number() }),
  object_attributes: z.object({
    name: z.string(),
    awardable_type: z.string(),
    awardable_id: z.number(),
    action: z.string().optional(),
  }),
});

/** The hook payloads the bot acts on; anything else fails to parse and is ignored. */
export const WebhookPayload = z.discriminatedUnion('object_kind', [
  JobHook,
  PipelineHook,
  NoteHook,
  EmojiHook,
]);
export type WebhookPayload = z.infer<typeof WebhookPayload>;
