import type { FailedJobRef, GitlabPort } from '../../gitlab/port.js';
import type { Store } from '../../store/index.js';
import { failedAt, queueFound } from './queue-found.js';

/** The highest job id the instance-wide listing has read. */
export const INSTANCE_CURSOR_KEY = 'discovery-instance-jobs-cursor';

/** GitLab's most per page. */
const PAGE_SIZE = 100;

/**
 * Queues the new failed jobs of watched projects from GitLab's instance-wide
 * list (GraphQL `jobs(statuses: [FAILED])`, admins only): newest first, page
 * after page until the cursor, so one request covers an idle instance however
 * many projects it has, and a burst of failures is read to the end. The page
 * that reaches the cursor is read whole (a job below it that the queue does
 * not know failed late). The first look stops at the lookback and remembers
 * older jobs as done. Returns how many jobs were new.
 */
export async function findInstanceFailures(
  gitlab: GitlabPort,
  store: Store,
  watched: ReadonlySet<number>,
  lookbackMs: number,
  now: () => Date,
): Promise<number> {
  const stored = store.meta.getMeta(INSTANCE_CURSOR_KEY);
  const cursor = stored === undefined ? undefined : Number(stored);
  const horizon = now().getTime() - lookbackMs;
  const fresh = new Map<number, FailedJobRef>();
  const tooOld = new Map<number, FailedJobRef>();
  let highest = cursor ?? 0;
  let after: string | undefined;
  for (;;) {
    const page = await gitlab.listInstanceFailedJobs({
      first: PAGE_SIZE,
      ...(after ? { after } : {}),
    });
    let reached = !page.hasNextPage || page.endCursor === undefined;
    for (const job of page.items) {
      highest = Math.max(highest, job.id);
      if (cursor !== undefined && job.id <= cursor) reached = true;
      const old = cursor === undefined && failedAt(job) < horizon;
      if (old) reached = true;
      if (!watched.has(job.projectId) || store.jobQueue.isJobKnown(job.id)) continue;
      (old ? tooOld : fresh).set(job.id, job);
    }
    if (reached) break;
    after = page.endCursor;
  }
  return queueFound(store, fresh.values(), tooOld.values(), () => {
    if (highest > (cursor ?? 0)) store.meta.setMeta(INSTANCE_CURSOR_KEY, String(highest));
  });
}
