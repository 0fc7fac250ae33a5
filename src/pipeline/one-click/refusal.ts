import type { Approval } from '../../fix/approvals.js';
import { ACTION } from '../../fix/state.js';
import { code } from '../../render/markdown.js';
import type { Note as StoredNote } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';

/** Tells someone who may not accept the change why nothing was done. */
export async function answerRefusal(
  deps: PipelineDeps,
  note: StoredNote,
  approval: Approval,
  reasons: string[],
  incidentId: number | undefined,
) {
  const body = `${reasons.join('; ')}: nothing was changed for ${code(approval.username)}.`;
  if (note.targetKind === 'merge_request') {
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
    detail: { key: approval.key, reason: 'not allowed to accept' },
  });
}

/** Answers a person at most once per incident, however often they ask. */
export async function answerOnce(
  deps: PipelineDeps,
  note: StoredNote,
  approval: Approval,
  incidentId: number | undefined,
  answer: string,
) {
  const answered = deps.store.actions
    .listActions(incidentId ?? 0)
    .some((a) => a.kind === ACTION.reply && a.actor === approval.username);
  if (incidentId !== undefined && answered) return;
  await answerRefusal(deps, note, approval, [answer], incidentId);
}
