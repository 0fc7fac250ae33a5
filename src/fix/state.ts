import type { Diagnosis } from '../domain/diagnosis.js';
import type { FixState } from '../domain/fix-state.js';
import { STATUS_ACTION } from '../domain/lifecycle.js';
import type { Action } from '../store/index.js';
import { groupToAdd } from './allowlist.js';
import { isOfferable } from './offer.js';

/** Action kinds of the one-click flow, as stored in the audit trail. */
export const ACTION = {
  offered: 'fix-offered',
  /** An offer about to go out in a note version (its body hash), recorded before the write. */
  offerPending: 'offer-pending',
  approval: 'approval',
  write: 'api-write',
  /** A write whose answer was lost; the next cycle reads the allowlist and tries once more. */
  pending: 'write-pending',
  retry: 'retry',
  retryResult: 'retry-result',
  outcome: 'fix-outcome',
  reply: 'reply',
} as const;

/** Job statuses after which a retried job will not change any more. */
const FINAL = new Set(['success', 'failed', 'canceled', 'skipped']);

export interface RetriedJob {
  projectId: number;
  oldJobId: number;
  newJobId: number;
  jobName: string;
  jobUrl: string;
  status: string;
}

/** True when the incident's diagnosis carries a change the bot can make (offered or not). */
export function hasOneClickFix(diagnosis: Diagnosis | undefined): boolean {
  return diagnosis?.fix?.kind === 'allowlist-add' || diagnosis?.fix?.kind === 'policies-add';
}

/** The retries the bot made for an incident, with their latest known status. */
export function retriedJobs(actions: readonly Action[]): RetriedJob[] {
  const byNewJob = new Map<number, RetriedJob>();
  for (const action of actions) {
    const d = action.detail as Partial<RetriedJob>;
    if (action.kind === ACTION.retry && action.status === 'ok' && typeof d.newJobId === 'number') {
      byNewJob.set(d.newJobId, {
        projectId: Number(d.projectId),
        oldJobId: Number(d.oldJobId),
        newJobId: d.newJobId,
        jobName: String(d.jobName ?? ''),
        jobUrl: String(d.jobUrl ?? ''),
        status: String(d.status ?? 'pending'),
      });
    }
    if (action.kind === ACTION.retryResult && typeof d.newJobId === 'number') {
      const known = byNewJob.get(d.newJobId);
      if (known) known.status = String(d.status ?? known.status);
    }
  }
  return [...byNewJob.values()];
}

export function isFinal(status: string): boolean {
  return FINAL.has(status);
}

/**
 * Where the fix stands, from the audit trail alone: the last write or
 * outcome decides. No separate state column can drift from what happened.
 */
export function fixStateOf(
  actions: readonly Action[],
  diagnosis: Diagnosis,
  offer: {
    botUsername: string;
    reactions: boolean;
    /** When the bot last recorded a failed job of the incident (its own clock). */
    lastFailureAt?: string;
  },
): FixState | undefined {
  if (!hasOneClickFix(diagnosis)) return undefined;
  // Only an offerable diagnosis is offered; a change made before keeps its story.
  const initial = (): FixState | undefined =>
    isOfferable(diagnosis)
      ? {
          kind: 'offered',
          botUsername: offer.botUsername,
          reactions: offer.reactions,
          ...(sourceGroupOf(diagnosis) ? { sourceGroup: sourceGroupOf(diagnosis) as string } : {}),
        }
      : undefined;
  let state = initial();
  for (const action of actions) {
    const d = action.detail as Record<string, unknown>;
    if (action.kind === STATUS_ACTION) {
      // The cause came back after a fix: the fix is offered again, as at first.
      if (d.event === 'recurred' || d.event === 'reopened') state = initial();
      // Seen fixed without the bot: on the allowlist, or (the offer withdrawn) a passing retry.
      if (d.event === 'fixed-by-hand') {
        state =
          d.seen === 'allowlist' ? { kind: 'fixed-by-hand', at: action.createdAt } : undefined;
      }
    }
    if (action.kind === ACTION.pending) {
      state = {
        kind: 'pending',
        op: d.op === 'remove' ? 'remove' : 'add',
        by: String(d.approvedBy ?? ''),
        at: action.createdAt,
      };
    }
    if (action.kind === ACTION.write && isWritten(action.status)) {
      state =
        d.op === 'remove'
          ? { kind: 'reverted', by: String(d.approvedBy ?? ''), at: action.createdAt }
          : {
              kind: 'applied',
              by: String(d.approvedBy ?? ''),
              at: action.createdAt,
              entry: d.entry === 'group' ? 'group' : 'project',
              retried: [],
            };
    }
    if (action.kind === ACTION.outcome && action.status === 'fixed-by-hand') {
      state = { kind: 'fixed-by-hand', at: action.createdAt };
    }
    if (action.kind === ACTION.outcome && action.status === 'failed') {
      state = { kind: 'failed', reason: String(d.reason ?? 'GitLab refused the change.') };
    }
  }
  // Reverted, and the failure came back since: the change is offered again.
  if (
    state?.kind === 'reverted' &&
    offer.lastFailureAt !== undefined &&
    Date.parse(offer.lastFailureAt) > Date.parse(state.at)
  ) {
    state = initial() ?? state;
  }
  if (state?.kind === 'applied') {
    state.retried = retriedJobs(actions).map((j) => ({
      jobName: j.jobName,
      jobUrl: j.jobUrl,
      status: j.status,
    }));
    const failedRetry = [...actions]
      .reverse()
      .find((a) => a.kind === ACTION.retry && a.status === 'failed');
    if (failedRetry && state.retried.length === 0) {
      state.retryProblem = retryReason(String(failedRetry.detail.error ?? ''));
    }
  }
  return state;
}

/**
 * How many times the bot's change was undone: each revert ends an offer, and
 * an offer made after it is a new one (approvals of the old one do not count).
 */
export function revertsIn(actions: readonly Action[]): number {
  return actions.filter(
    (a) => a.kind === ACTION.write && a.detail.op === 'remove' && isWritten(a.status),
  ).length;
}

/** The newest time the bot recorded a failed job of the incident, if any. */
export function lastFailureAt(occurrences: readonly { recordedAt: string }[]): string | undefined {
  let last: string | undefined;
  for (const o of occurrences) {
    if (last === undefined || Date.parse(o.recordedAt) > Date.parse(last)) last = o.recordedAt;
  }
  return last;
}

/**
 * Whether a recorded write reached GitLab: a 2xx answer (not a write held back), or `ok` when
 * its answer was lost and reading the allowlist again showed the change.
 */
export function isWritten(status: string): boolean {
  return status === 'ok' || /^2\d\d$/.test(status);
}

/** The group A belongs to, when it belongs to one (the broader alternative). */
export function sourceGroupOf(diagnosis: Diagnosis): string | undefined {
  return diagnosis.fix?.kind === 'allowlist-add' ? groupToAdd(diagnosis.fix) : undefined;
}

/** A short reason for the note, without GitLab's full error text. */
function retryReason(error: string): string {
  if (/403/.test(error)) return 'its account needs the Developer role in the project to retry jobs';
  return 'GitLab refused the retry';
}
