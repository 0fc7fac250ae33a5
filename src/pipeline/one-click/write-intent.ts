import type { Fact } from '../../domain/diagnosis.js';
import { GitlabTransientError, errorMessage } from '../../errors.js';
import {
  addToAllowlist,
  holdsEntry,
  MAX_UNANSWERED,
  removeFromAllowlist,
  type BeforeWrite,
  type BotEntry,
  type WriteResult,
} from '../../fix/allowlist.js';
import { addPolicies, holdsPolicies, removePolicies } from '../../fix/policies.js';
import { ACTION, isWritten } from '../../fix/state.js';
import type { Incident, WriteIntent, WriteOp } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { notAppliedReason, recordPending, recordWrite, type Confirmed } from './record-write.js';
import type { OneClickFix } from './types.js';

/** What became of a try: GitLab's answer, a lost one confirmed, or `unknown` while pending. */
export type TryOutcome = WriteResult | Confirmed;

/** Whether GitLab now holds the change an outcome is about. */
export function holdsChange(outcome: TryOutcome): boolean {
  return (
    outcome.status === 'confirmed' ||
    outcome.status === 'already-present' ||
    (outcome.status === 'applied' && outcome.answer.made)
  );
}

/**
 * Records what the bot sets out to change, before it asks GitLab anything. Synchronous, so the
 * caller can record it in the same transaction as the approval it acts on.
 */
export function openWriteIntent(
  deps: PipelineDeps,
  incident: Incident,
  fix: OneClickFix,
  op: WriteOp,
  entry: 'project' | 'group',
  approvedBy: string,
): WriteIntent {
  const target = { targetId: fix.target.id, targetPath: fix.target.path };
  const where = { incidentId: incident.id, op, approvedBy, ...target };
  if (fix.kind === 'policies-add') {
    return deps.store.writeIntents.openIntent({
      ...where,
      change: 'policies',
      entry: fix.entry.kind,
      sourceId: 0,
      sourcePath: fix.entry.path,
    });
  }
  return deps.store.writeIntents.openIntent({
    ...where,
    change: 'allowlist',
    entry: op === 'remove' ? addedEntry(deps, incident).kind : entry,
    sourceId: fix.source.id,
    sourcePath: fix.source.path,
  });
}

/** Whether the incident's fix is the change an intent was opened for. */
export function intentFits(intent: WriteIntent, fix: OneClickFix | undefined): fix is OneClickFix {
  return (
    (intent.change === 'policies' && fix?.kind === 'policies-add') ||
    (intent.change === 'allowlist' && fix?.kind === 'allowlist-add')
  );
}

/** How to make an intent's change, and how to tell from GitLab whether it holds. */
interface Change {
  write(beforeWrite: BeforeWrite): Promise<WriteResult>;
  /** Whether GitLab holds the entry (or the permissions) now. */
  holds(): Promise<boolean>;
  /** The entry recorded when a lost answer is confirmed. */
  entry: BotEntry;
}

function changeOf(
  deps: PipelineDeps,
  incident: Incident,
  fix: OneClickFix,
  intent: WriteIntent,
): Change {
  const { gitlab } = deps;
  if (fix.kind === 'policies-add') {
    return {
      write: (beforeWrite) =>
        intent.op === 'add'
          ? addPolicies(gitlab, fix, beforeWrite)
          : removePolicies(gitlab, fix, beforeWrite),
      holds: () => holdsPolicies(gitlab, fix),
      entry: { kind: fix.entry.kind, via: 'graphql' },
    };
  }
  const entry = entryOf(deps, incident, intent);
  return {
    write: (beforeWrite) =>
      intent.op === 'add'
        ? addToAllowlist(gitlab, fix, intent.entry, beforeWrite)
        : removeFromAllowlist(gitlab, fix, addedEntry(deps, incident), beforeWrite),
    holds: () => holdsEntry(gitlab, fix, entry),
    entry,
  };
}

/**
 * One try of an intent: the checks and the write. When GitLab's answer is lost, what GitLab
 * holds is read again at once; what it shows decides, and if it cannot tell, the intent stays
 * pending for a later cycle.
 */
export async function tryWrite(
  deps: PipelineDeps,
  incident: Incident,
  fix: OneClickFix,
  intentId: number,
): Promise<TryOutcome> {
  const intent = current(deps, intentId);
  let sent = false;
  const result = await changeOf(deps, incident, fix, intent).write((write) => {
    deps.store.writeIntents.markSent(intentId, write);
    sent = true;
  });
  if (result.status === 'unknown' && result.paused) {
    // Nothing went out: no try is used up, and a later cycle goes on once the wait is over.
    recordPending(deps, incident, current(deps, intentId), result.reason);
    return result;
  }
  if (result.status === 'unknown') return reconcile(deps, incident, fix, intentId, result.reason);
  // "Already there" in answer to the bot's own request: a resent request found its first copy.
  if (result.status === 'already-present' && sent) return reconcile(deps, incident, fix, intentId);
  recordWrite(deps, incident, current(deps, intentId), result);
  return result;
}

/**
 * Settles an intent from what GitLab holds: a change found after the bot's own request went
 * out is the bot's; after the last try, a change not found could not be applied. `lastError`
 * is set right after a try whose answer was lost; without it (a later cycle) a try is left.
 */
export async function reconcile(
  deps: PipelineDeps,
  incident: Incident,
  fix: OneClickFix,
  intentId: number,
  lastError?: Fact,
): Promise<TryOutcome> {
  if (lastError) deps.store.writeIntents.countUnanswered(intentId);
  const intent = current(deps, intentId);
  if (intent.sentAt !== null) {
    const change = changeOf(deps, incident, fix, intent);
    let holds: boolean;
    try {
      holds = await change.holds();
    } catch (error) {
      const reason =
        `GitLab did not say whether the change was made (${errorMessage(error)})` as Fact;
      // Only GitLab can tell; until it answers, the intent waits (never reported either way).
      if (error instanceof GitlabTransientError) {
        if (lastError) recordPending(deps, incident, intent, lastError);
        return { status: 'unknown', reason };
      }
      const failed = { status: 'failed', reason } as const;
      recordWrite(deps, incident, intent, failed);
      return failed;
    }
    if (holds === (intent.op === 'add')) {
      const confirmed: Confirmed = {
        status: 'confirmed',
        entry: change.entry,
        by: `reading the ${intent.change === 'policies' ? "entry's permissions" : 'allowlist'} again`,
      };
      recordWrite(deps, incident, intent, confirmed);
      return confirmed;
    }
  }
  if (intent.unanswered >= MAX_UNANSWERED) {
    const failed = { status: 'failed', reason: notAppliedReason(intent) } as const;
    recordWrite(deps, incident, intent, failed);
    return failed;
  }
  if (lastError) {
    recordPending(deps, incident, intent, lastError);
    return { status: 'unknown', reason: lastError };
  }
  return tryWrite(deps, incident, fix, intentId);
}

function current(deps: PipelineDeps, intentId: number): WriteIntent {
  const intent = deps.store.writeIntents.getIntent(intentId);
  if (!intent) throw new Error(`write intent ${intentId} is gone`);
  return intent;
}

/** The entry an intent changes, as precisely as the bot knows it. */
function entryOf(deps: PipelineDeps, incident: Incident, intent: WriteIntent): BotEntry {
  if (intent.op === 'remove') return addedEntry(deps, incident);
  return {
    kind: intent.entry,
    ...(intent.groupId !== null ? { groupId: intent.groupId } : {}),
    ...(intent.via ? { via: intent.via } : {}),
  };
}

/** The entry the bot's last successful add made, the way it was made. */
function addedEntry(deps: PipelineDeps, incident: Incident): BotEntry {
  const added = [...deps.store.actions.listActions(incident.id)]
    .reverse()
    .find((a) => a.kind === ACTION.write && a.detail.op === 'add' && isWritten(a.status));
  const via = added?.detail.via === 'graphql' ? ('graphql' as const) : ('rest' as const);
  return added?.detail.entry === 'group'
    ? { kind: 'group', groupId: Number(added.detail.groupId), via }
    : { kind: 'project', via };
}
