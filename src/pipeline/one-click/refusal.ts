import type { Approval } from '../../fix/approvals.js';
import type { Authorisation } from '../../fix/authorise.js';
import { ACTION } from '../../fix/state.js';
import type { GitlabUser } from '../../gitlab/port.js';
import { code } from '../../render/markdown.js';
import type { Incident, Note as StoredNote } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import type { OneClickReport, RecordApproval } from './types.js';

/** The bot's comments where its answer to `note`'s readers goes: the merge request, or the thread. */
async function botComments(deps: PipelineDeps, note: StoredNote, botId: number) {
  const notes =
    note.targetKind === 'merge_request'
      ? await deps.gitlab.listMergeRequestNotes(note.projectId, Number(note.targetKey))
      : ((await deps.gitlab.listCommitDiscussions(note.projectId, note.targetKey)).find(
          (d) => d.id === note.discussionId,
        )?.notes ?? []);
  return notes.filter((n) => n.authorId === botId);
}

/**
 * Tells someone who may not accept the change why nothing was done. With `recover`, an answer
 * whose posting failed is given again, unless GitLab shows it was made (the answer was lost).
 */
export async function answerRefusal(
  deps: PipelineDeps,
  note: StoredNote,
  approval: Approval,
  reasons: string[],
  incidentId: number | undefined,
  recover?: GitlabUser,
) {
  const body = `${reasons.join('; ')}: nothing was changed for ${code(approval.username)}.`;
  const made =
    recover !== undefined &&
    (await botComments(deps, note, recover.id)).some((n) => n.body === body);
  if (made) {
    // Found on GitLab: recorded as given, not posted twice.
  } else if (note.targetKind === 'merge_request') {
    await deps.gitlab.createMergeRequestNote(note.projectId, Number(note.targetKey), body);
  } else {
    await deps.gitlab.replyToCommitDiscussion(
      note.projectId,
      note.targetKey,
      note.discussionId ?? '',
      body,
    );
  }
  deps.store.actions.recordAction({
    incidentId: incidentId ?? null,
    kind: ACTION.reply,
    actor: approval.username,
    status: 'ok',
    detail: {
      key: approval.key,
      reason: 'not allowed to accept',
      ...(made ? { found: true } : {}),
    },
  });
}

/** Answers a person at most once per incident, however often they ask. */
export async function answerOnce(
  deps: PipelineDeps,
  note: StoredNote,
  approval: Approval,
  incidentId: number | undefined,
  answer: string,
  recover?: GitlabUser,
) {
  const answered = deps.store.actions
    .listActions(incidentId ?? 0)
    .some((a) => a.kind === ACTION.reply && a.actor === approval.username);
  if (incidentId !== undefined && answered) return;
  await answerRefusal(deps, note, approval, [answer], incidentId, recover);
}

/**
 * An approval recorded with an answer never recorded as given (posting it failed, or its
 * answer was lost): given on a later cycle, once. The approval itself stays handled. Only
 * approvals that were due an answer keep one (a refused reply, a choice to name).
 */
export async function answerOwed(
  deps: PipelineDeps,
  bot: GitlabUser,
  note: StoredNote,
  approval: Approval,
  incidentIds: readonly number[],
) {
  for (const incidentId of incidentIds) {
    const refusal = deps.store.actions
      .listActions(incidentId)
      .find(
        (a) =>
          a.kind === ACTION.approval &&
          a.detail.key === approval.key &&
          typeof a.detail.answer === 'string',
      );
    if (refusal) {
      await answerOnce(deps, note, approval, incidentId, refusal.detail.answer as string, bot);
      return;
    }
  }
}

/**
 * Records a refused approval and answers a refused reply once. The answer is kept with the
 * refusal, so that if posting it fails a later cycle gives it (`answerOwed`).
 */
export async function refuseApproval(
  deps: PipelineDeps,
  note: StoredNote,
  approval: Approval,
  incident: Incident,
  record: RecordApproval,
  refusal: Extract<Authorisation, { ok: false }>,
  report: OneClickReport,
) {
  record(incident, 'refused', {
    reason: refusal.reason,
    accessLevel: refusal.level,
    ...(approval.via === 'reply' ? { answer: refusal.answer } : {}),
  });
  report.refused += 1;
  if (approval.via === 'reply') {
    await answerOnce(deps, note, approval, incident.id, refusal.answer);
  }
}
