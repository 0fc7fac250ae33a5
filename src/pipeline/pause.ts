import type { GitlabTransientError } from '../errors.js';
import { PAUSE_KEY } from '../store/index.js';
import type { PipelineDeps } from './deps.js';

/** Something that went wrong in a cycle, and where; the cycle goes on with the rest. */
export interface Problem {
  where: string;
  message: string;
}

/**
 * GitLab is down or asked the bot to wait: no request is made until then,
 * by any source. Kept in the store so a restart honours it too.
 */
export function pauseFor(
  deps: Pick<PipelineDeps, 'store' | 'logger' | 'now'>,
  error: GitlabTransientError,
  problems: Problem[],
): void {
  const until = new Date(deps.now().getTime() + (error.retryAfterMs ?? 60_000));
  deps.store.meta.setMeta(PAUSE_KEY, until.toISOString());
  problems.push({
    where: 'GitLab',
    message: `${error.message}; pausing until ${until.toISOString()}`,
  });
  deps.logger.warn(
    { until: until.toISOString(), status: error.status },
    'GitLab asked the bot to wait',
  );
}

export function isPaused(deps: Pick<PipelineDeps, 'store' | 'now'>): boolean {
  const until = deps.store.meta.getMeta(PAUSE_KEY);
  return until !== undefined && Date.parse(until) > deps.now().getTime();
}
