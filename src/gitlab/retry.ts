import { GitlabTransientError } from '../errors.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  /**
   * The longest wait worth spending inside a cycle. A longer Retry-After is
   * left to a later cycle: the error goes up with its `retryAfterMs`.
   */
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 };

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Retries a read on transient failures, honouring Retry-After. Writes are
 * not retried here: a write that timed out may have happened, and the
 * callers make writes idempotent instead (find the note by its marker first).
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof GitlabTransientError) || attempt >= policy.attempts) throw error;
      const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const wait = error.retryAfterMs ?? jittered;
      if (wait > policy.maxDelayMs) throw error;
      await sleep(wait);
    }
  }
}
