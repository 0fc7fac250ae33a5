import type { Diagnosis } from '../domain/diagnosis.js';
import type { RetryState } from '../domain/fix-state.js';
import type { Action } from '../store/index.js';
import { ACTION, retriedJobs } from './state.js';

/**
 * Whether the note offers a one-click retry: the pattern says the machines
 * or services the job ran on failed and that running it again can pass with
 * nothing changed. An allowlist fix is never cured by a retry.
 */
export function isRetryOfferable(d: Diagnosis | undefined): boolean {
  return (
    d !== undefined &&
    d.blame === 'infrastructure' &&
    d.retryable === true &&
    d.fix?.kind !== 'allowlist-add'
  );
}

/** The retry offer of an incident, or what became of it, from its audit trail. */
export function retryStateOf(
  actions: readonly Action[],
  diagnosis: Diagnosis,
  options: { botUsername: string; reactions: boolean },
): RetryState | undefined {
  if (!isRetryOfferable(diagnosis)) return undefined;
  const accepted = [...actions]
    .reverse()
    .find(
      (a) => a.kind === ACTION.approval && a.status === 'allowed' && a.detail.command === 'retry',
    );
  if (!accepted) return { kind: 'offered', ...options };
  const problem = [...actions]
    .reverse()
    .find((a) => a.kind === ACTION.retry && a.status !== 'ok' && a.createdAt >= accepted.createdAt);
  const reason = problem?.detail.reason ?? problem?.detail.error;
  return {
    kind: 'retried',
    botUsername: options.botUsername,
    by: accepted.actor ?? '',
    at: accepted.createdAt,
    retried: retriedJobs(actions).map((j) => ({
      jobName: j.jobName,
      jobUrl: j.jobUrl,
      status: j.status,
    })),
    ...(typeof reason === 'string' ? { retryProblem: reason } : {}),
  };
}
