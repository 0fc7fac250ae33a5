/**
 * An incident's life, in one place: its states, and the event that moves it from one to
 * another. Every status the store and the dashboard show is set through `nextStatus`.
 *
 *   open   ── fixed-by-bot / fixed-by-hand ──▶ fixed
 *   fixed  ── recurred / reverted ──▶ open
 *   open, fixed ── merge-requests-ended / quiet ──▶ closed
 *   open, fixed ── lost-access ──▶ error
 *   closed, error ── reopened ──▶ open
 *   error  ── quiet ──▶ closed
 */

export const INCIDENT_STATUSES = ['open', 'fixed', 'closed', 'error'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The states in which nothing more is expected of the incident (retention may prune them). */
export const ENDED_STATUSES: readonly IncidentStatus[] = ['fixed', 'closed'];

export type LifecycleEvent =
  /** The bot added the missing entry after an authorised approval. */
  | 'fixed-by-bot'
  /** The bot saw the cause gone without its doing: the entry is there, or a retried job passed. */
  | 'fixed-by-hand'
  /** The bot undid its own change on request. */
  | 'reverted'
  /** The same root cause failed a job created after the fix. */
  | 'recurred'
  /** A new failure of a closed incident, or of one the bot could not check any more. */
  | 'reopened'
  /** Every merge request it failed on was merged or closed. */
  | 'merge-requests-ended'
  /** No failure for the configured time. */
  | 'quiet'
  /** The bot cannot diagnose it any more: the project is gone, or its access is. */
  | 'lost-access';

export const TRANSITIONS: Readonly<
  Record<LifecycleEvent, { from: readonly IncidentStatus[]; to: IncidentStatus }>
> = {
  'fixed-by-bot': { from: ['open', 'error'], to: 'fixed' },
  'fixed-by-hand': { from: ['open', 'error'], to: 'fixed' },
  reverted: { from: ['fixed'], to: 'open' },
  recurred: { from: ['fixed'], to: 'open' },
  reopened: { from: ['closed', 'error'], to: 'open' },
  'merge-requests-ended': { from: ['open', 'fixed'], to: 'closed' },
  quiet: { from: ['open', 'fixed', 'error'], to: 'closed' },
  'lost-access': { from: ['open', 'fixed'], to: 'error' },
};

/** The status after `event`, or undefined when the event does not apply in `from`. */
export function nextStatus(
  from: IncidentStatus,
  event: LifecycleEvent,
): IncidentStatus | undefined {
  const transition = TRANSITIONS[event];
  return transition.from.includes(from) ? transition.to : undefined;
}

/** The event a new failure of the incident's root cause means in its current status. */
export function failureEvent(status: IncidentStatus): LifecycleEvent | undefined {
  if (status === 'fixed') return 'recurred';
  if (status === 'closed' || status === 'error') return 'reopened';
  return undefined;
}

export function isIncidentStatus(value: string): value is IncidentStatus {
  return (INCIDENT_STATUSES as readonly string[]).includes(value);
}

/** The audit trail's action kind for a status change; its status is the new status. */
export const STATUS_ACTION = 'status';
