import type { Approval } from '../../fix/approvals.js';
import { approvesOffer, chosenIncident, latestOffer } from '../../fix/offer.js';
import { ACTION } from '../../fix/state.js';
import { code } from '../../render/markdown.js';
import type { Incident } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { answerOnce, answerOwed } from './refusal.js';
import type { NoteApprovals, RecordApproval } from './types.js';

export function approvalRecorder(
  deps: PipelineDeps,
  approval: Approval,
  command: string,
): RecordApproval {
  return (incident, status, extra = {}) =>
    deps.store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.approval,
      actor: approval.username,
      status,
      detail: { key: approval.key, via: approval.via, command, ...extra },
    });
}

/** The approvals already handled for these incidents: each is acted on once, also after a restart. */
function handledKeys(deps: PipelineDeps, incidents: readonly Incident[]): Set<string> {
  const keys = new Set<string>();
  for (const incident of incidents) {
    for (const action of deps.store.actions.listActions(incident.id)) {
      if (action.kind === ACTION.approval && typeof action.detail.key === 'string') {
        keys.add(action.detail.key);
      }
    }
  }
  return keys;
}

/**
 * Each approval once, oldest first: one handled before (by the audit trail, also before a
 * restart) only gets the answer it may still be owed about `answerIds`; a new one is counted
 * and given to `handle`.
 */
export async function eachNewApproval(
  on: NoteApprovals,
  approvals: readonly Approval[],
  scope: { incidents: readonly Incident[]; answerIds: number[] },
  handle: (approval: Approval) => Promise<void>,
): Promise<void> {
  const handled = handledKeys(on.deps, scope.incidents);
  for (const approval of [...approvals].sort((a, b) => a.at.localeCompare(b.at))) {
    if (handled.has(approval.key)) {
      await answerOwed(on.deps, on.bot, on.note, approval, scope.answerIds);
      continue;
    }
    on.report.approvalsSeen += 1;
    await handle(approval);
  }
}

/** Bound to the offer: an approval older than the latest offer on the note counts for nothing. */
export function approvesLatestOffer(
  on: NoteApprovals,
  approval: Approval,
  incident: Incident,
): boolean {
  const where = `${on.note.targetKind}:${on.note.targetKey}`;
  return approvesOffer(
    approval.at,
    latestOffer(on.deps.store.actions.listActions(incident.id), where),
  );
}

/**
 * One approval, one change: the open offer an approval is for. When there is none, every
 * incident of the note records why; when several could be meant, the person is told once how
 * to name one (`what` names the offers, `verb` the command to reply).
 */
export async function chooseOne(
  { deps, bot, note }: NoteApprovals,
  approval: Approval,
  choice: {
    incidents: readonly Incident[];
    open: readonly Incident[];
    record: RecordApproval;
    nothing: string;
    what: string;
    verb: string;
  },
): Promise<Incident | undefined> {
  const { open } = choice;
  const chosen = chosenIncident(
    approval.incidentId,
    open.map((i) => i.id),
  );
  if (chosen.id !== undefined) return open.find((i) => i.id === chosen.id);
  const ambiguous = chosen.why === 'ambiguous';
  const replies = open.map((i) => code(`@${bot.username} ${choice.verb} ${i.id}`)).join(' or ');
  const answer = `This comment offers several ${choice.what}, and one approval makes one: reply ${replies} to choose`;
  for (const incident of choice.incidents) {
    choice.record(incident, 'ignored', {
      reason: ambiguous
        ? 'several offers on the note: the approval must name the incident'
        : choice.nothing,
      // Kept where the answer goes, so a later cycle gives it if posting it fails.
      ...(ambiguous && incident.id === open[0]?.id ? { answer } : {}),
    });
  }
  if (ambiguous) await answerOnce(deps, note, approval, open[0]?.id, answer);
  return undefined;
}
