import { fact, type Fact } from '../../domain/diagnosis.js';
import type { BotEntry, WriteResult } from '../../fix/allowlist.js';
import { ACTION } from '../../fix/state.js';
import type { Incident, WriteIntent } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';

/** A write whose answer was lost, found made when the allowlist was read again. */
export interface Confirmed {
  status: 'confirmed';
  entry: BotEntry;
  /** How it was confirmed, for the trail. */
  by: string;
}

/** What a settled try recorded: GitLab's answer, or a lost one confirmed. */
export type Settled = Exclude<WriteResult, { status: 'unknown' }> | Confirmed;

/** What the trail says about every allowlist write: which change, for whom. */
function whereOf(intent: WriteIntent) {
  return {
    op: intent.op,
    target: intent.targetPath,
    targetId: intent.targetId,
    source: intent.sourcePath,
    sourceId: intent.sourceId,
    approvedBy: intent.approvedBy,
    intentId: intent.id,
    ...(intent.change === 'policies' ? { change: intent.change } : {}),
  };
}

/**
 * Records the outcome of a write and settles its intent, in one transaction: a crash leaves
 * either both or neither.
 */
export function recordWrite(
  deps: PipelineDeps,
  incident: Incident,
  intent: WriteIntent,
  result: Settled,
): void {
  const { store } = deps;
  const where = whereOf(intent);
  const made = result.status === 'confirmed' || (result.status === 'applied' && result.answer.made);
  store.transaction(() => {
    store.writeIntents.settleIntent(intent.id, result.status === 'failed' ? 'failed' : 'done');
    if (result.status === 'applied' || result.status === 'confirmed') {
      const entry =
        result.status === 'confirmed'
          ? result.entry
          : {
              kind: result.entry,
              ...(result.groupId ? { groupId: result.groupId } : {}),
              ...(result.via ? { via: result.via } : {}),
            };
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.write,
        // `ok`: made, though GitLab's own answer never arrived.
        status: result.status === 'confirmed' ? 'ok' : result.answer.status,
        detail: {
          ...where,
          entry: entry.kind,
          ...(entry.groupId !== undefined ? { groupId: entry.groupId } : {}),
          ...(entry.via ? { via: entry.via } : {}),
          ...(result.status === 'confirmed' ? { confirmedBy: result.by } : {}),
        },
      });
      // A write held back (dry-run) changes nothing in GitLab, so nothing here either.
      if (made) {
        store.lifecycle.moveIncident(
          incident.id,
          intent.op === 'add' ? 'fixed-by-bot' : 'reverted',
          {
            approvedBy: intent.approvedBy,
          },
        );
      }
      return;
    }
    if (result.status === 'already-present') {
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.outcome,
        status: 'fixed-by-hand',
        detail: { ...where, detail: result.detail },
      });
      store.lifecycle.moveIncident(incident.id, 'fixed-by-hand', { seen: 'allowlist' });
      return;
    }
    store.actions.recordAction({
      incidentId: incident.id,
      kind: result.httpStatus ? ACTION.write : ACTION.outcome,
      status: result.httpStatus ?? 'failed',
      detail: { ...where, reason: result.reason },
    });
    store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.outcome,
      status: 'failed',
      detail: { reason: result.reason },
    });
  });
  if (made && intent.op === 'add') deps.metrics?.fixApplied();
}

/** Says in the trail (and so on the note) that the write waits for a later cycle. */
export function recordPending(
  deps: PipelineDeps,
  incident: Incident,
  intent: WriteIntent,
  reason: Fact,
): void {
  deps.store.actions.recordAction({
    incidentId: incident.id,
    kind: ACTION.pending,
    status: 'retry-later',
    detail: { ...whereOf(intent), unanswered: intent.unanswered, reason },
  });
}

/** The reason given when every try went unanswered (each try's error is in the trail). */
export function notAppliedReason(intent: WriteIntent): Fact {
  if (intent.change === 'policies') {
    return intent.op === 'add'
      ? fact`GitLab did not answer the bot's ${intent.unanswered} tries to change the permissions of ${intent.sourcePath} on the allowlist of ${intent.targetPath}.`
      : fact`GitLab did not answer the bot's ${intent.unanswered} tries to take back the permissions it gave ${intent.sourcePath} on the allowlist of ${intent.targetPath}.`;
  }
  return intent.op === 'add'
    ? fact`GitLab did not answer the bot's ${intent.unanswered} tries to add ${intent.sourcePath} to the allowlist of ${intent.targetPath}.`
    : fact`GitLab did not answer the bot's ${intent.unanswered} tries to remove ${intent.sourcePath} from the allowlist of ${intent.targetPath}.`;
}
