import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WebhookPayload } from '../../src/gitlab/webhook-schema.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8'));

describe("GitLab's documented webhook payloads", () => {
  it('reads a Job hook: the job, its status, pipeline and project', () => {
    expect(WebhookPayload.parse(fixture('job.json'))).toMatchObject({
      object_kind: 'build',
      build_id: 1977,
      build_status: 'created',
      pipeline_id: 2366,
      project_id: 380,
    });
  });

  it('reads a Pipeline hook with its jobs', () => {
    const payload = WebhookPayload.parse(fixture('pipeline.json'));
    expect(payload.object_kind).toBe('pipeline');
    if (payload.object_kind !== 'pipeline') return;
    expect(payload.object_attributes.id).toBe(31);
    expect(payload.project.id).toBe(1);
    expect(payload.builds.map((b) => b.id)).toEqual([380, 377, 378, 376, 379]);
  });

  it('reads Note hooks on a merge request and on a commit', () => {
    expect(WebhookPayload.parse(fixture('note_merge_request.json'))).toMatchObject({
      object_kind: 'note',
      project_id: 5,
      object_attributes: { id: 1244, noteable_type: 'MergeRequest', author_id: 1 },
      merge_request: { iid: 1 },
    });
    expect(WebhookPayload.parse(fixture('note_commit.json'))).toMatchObject({
      object_kind: 'note',
      object_attributes: { id: 1243, noteable_type: 'Commit' },
      commit: { id: 'cfe32cf61b73a0d5e9f13e774abde7ff789b1660' },
    });
  });

  it('reads an Emoji hook: who reacted with what, on which note', () => {
    expect(WebhookPayload.parse(fixture('emoji.json'))).toMatchObject({
      object_kind: 'emoji',
      event_type: 'award',
      project_id: 6,
      user: { id: 1 },
      object_attributes: { name: 'thumbsup', awardable_type: 'Note', awardable_id: 363 },
    });
  });

  it('rejects what is not one of those events', () => {
    expect(WebhookPayload.safeParse({ object_kind: 'push', ref: 'refs/heads/main' }).success).toBe(
      false,
    );
    expect(WebhookPayload.safeParse({ object_kind: 'build', build_id: 'x' }).success).toBe(false);
  });
});
