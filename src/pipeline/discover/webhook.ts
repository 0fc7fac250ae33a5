import type { GitlabUser } from '../../gitlab/port.js';
import { WebhookPayload } from '../../gitlab/webhook-schema.js';
import type { NewQueuedJob, Note as StoredNote } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { FEEDBACK_EMOJI, parseWrongCommand } from '../feedback/read.js';
import type { Worker } from '../worker.js';

/** One delivery as the HTTP side received it (already authenticated). */
export interface Delivery {
  /** `X-Gitlab-Event`, e.g. `Job Hook`. */
  event: string | undefined;
  /** `Idempotency-Key` (GitLab 17.4+), the same on every retry of one event. */
  idempotencyKey: string | undefined;
  /** `X-Gitlab-Event-UUID`: shared by the hooks one request triggered. */
  eventUuid: string | undefined;
  body: unknown;
}

export interface DeliveryAnswer {
  status: 'queued' | 'approval' | 'feedback' | 'duplicate' | 'ignored';
  /** Jobs added to the queue (ones it already had are not counted). */
  jobs?: number;
  reason?: string;
}

const APPROVAL_EMOJI = new Set(['thumbsup', '+1']);

/**
 * The webhook source: turns a delivery into queued jobs (Job and Pipeline
 * hooks) or a look at one note's approvals (Note and Emoji hooks on the
 * bot's notes), and returns at once: the worker does the rest. A repeated
 * delivery changes nothing: its key is kept in the database (so a restart
 * does not forget it), the queue keeps one entry per job, and an approval is
 * acted on once (the audit trail says so).
 */
export function createWebhookSource(
  deps: Pick<PipelineDeps, 'store' | 'logger' | 'gitlab'>,
  worker: Pick<Worker, 'kick' | 'approve' | 'feedback'>,
  isWatched: (projectId: number) => boolean,
) {
  const pending = new Set<Promise<unknown>>();
  let bot: Promise<GitlabUser | undefined> | undefined;

  /** Work started for a delivery, after the answer; tracked so shutdown and tests can wait. */
  function track(work: Promise<unknown>, what: string) {
    const done: Promise<unknown> = work
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, `webhook-triggered ${what} failed`),
      )
      .finally(() => pending.delete(done));
    pending.add(done);
  }

  function enqueue(jobs: NewQueuedJob[]): DeliveryAnswer {
    const added = deps.store.jobQueue.enqueueJobs(jobs);
    if (added > 0) track(worker.kick(), 'drain');
    return { status: 'queued', jobs: added };
  }

  /** Who the bot is, asked once; a failed answer is not kept, so the next delivery asks again. */
  function botUser(): Promise<GitlabUser | undefined> {
    bot ??= deps.gitlab.currentUser().catch(() => {
      bot = undefined;
      return undefined;
    });
    return bot;
  }

  /** A reply on the bot's note: it may approve an offer, or say the diagnosis was wrong. */
  function approve(note: StoredNote | undefined, authorId: number, text = ''): DeliveryAnswer {
    if (!note) return { status: 'ignored', reason: 'not on a note of the bot' };
    // The bot's own notes and replies trigger hooks too; they approve nothing.
    track(
      botUser().then(async (user) => {
        if (user?.id === authorId) return;
        // The text only says whether to look: the feedback itself is read through the API,
        // with the same read as the approvals.
        await worker.approve(note, user !== undefined && !!parseWrongCommand(text, user.username));
      }),
      'approval check',
    );
    return { status: 'approval' };
  }

  /** A 👎 given or taken back: the note's feedback is read again through the API. */
  function judge(note: StoredNote | undefined, userId: number): DeliveryAnswer {
    if (!note) return { status: 'ignored', reason: 'not on a note of the bot' };
    track(
      botUser().then((user) => (user?.id === userId ? undefined : worker.feedback(note))),
      'feedback check',
    );
    return { status: 'feedback' };
  }

  function receive(delivery: Delivery): DeliveryAnswer {
    const parsed = WebhookPayload.safeParse(delivery.body);
    if (!parsed.success) {
      return { status: 'ignored', reason: 'not a job, pipeline, note or emoji event' };
    }
    const payload = parsed.data;
    const projectId = payload.object_kind === 'pipeline' ? payload.project.id : payload.project_id;
    if (!isWatched(projectId)) return { status: 'ignored', reason: 'project not watched' };

    const objectId =
      payload.object_kind === 'build'
        ? payload.build_id
        : payload.object_kind === 'pipeline'
          ? payload.object_attributes.id
          : payload.object_kind === 'note'
            ? payload.object_attributes.id
            : payload.object_attributes.awardable_id;
    const key =
      delivery.idempotencyKey ??
      (delivery.eventUuid ? `${delivery.eventUuid}:${payload.object_kind}:${objectId}` : undefined);
    if (key !== undefined && !deps.store.jobQueue.firstDelivery(key)) {
      return { status: 'duplicate' };
    }

    switch (payload.object_kind) {
      case 'build':
        if (payload.build_status !== 'failed') return { status: 'ignored', reason: 'not failed' };
        return enqueue([{ jobId: payload.build_id, projectId, pipelineId: payload.pipeline_id }]);
      case 'pipeline':
        return enqueue(
          payload.builds
            .filter((b) => b.status === 'failed')
            .map((b) => ({ jobId: b.id, projectId, pipelineId: payload.object_attributes.id })),
        );
      case 'note': {
        const target = payload.merge_request
          ? deps.store.notes.findNote(projectId, 'merge_request', payload.merge_request.iid)
          : payload.commit
            ? deps.store.notes.findNote(projectId, 'commit', payload.commit.id)
            : undefined;
        return approve(target, payload.object_attributes.author_id, payload.object_attributes.note);
      }
      case 'emoji': {
        const award = payload.object_attributes;
        const onNote = () => deps.store.notes.findNoteByNoteId(projectId, award.awardable_id);
        // Given or taken back alike: what GitLab shows now is what counts.
        if (award.awardable_type === 'Note' && FEEDBACK_EMOJI.has(award.name)) {
          return judge(onNote(), payload.user.id);
        }
        if (award.awardable_type !== 'Note' || !APPROVAL_EMOJI.has(award.name)) {
          return { status: 'ignored', reason: 'not a 👍 or 👎 on a comment' };
        }
        if ((award.action ?? payload.event_type) === 'revoke') {
          return { status: 'ignored', reason: 'reaction removed' };
        }
        return approve(onNote(), payload.user.id);
      }
    }
  }

  return {
    receive,
    /** Resolves when the work started by deliveries so far has finished. */
    async idle(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

export type WebhookSource = ReturnType<typeof createWebhookSource>;
