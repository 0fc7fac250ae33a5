import type { StoreContext } from './context.js';
import { maskSecrets } from '../domain/secrets.js';
import { toIso, type Timestamp } from './time.js';

export type QueueStatus = 'pending' | 'done' | 'failed';

/** A failed job waiting to be diagnosed; kept until done so a GitLab outage loses nothing. */
export interface QueuedJob {
  jobId: number;
  projectId: number;
  pipelineId: number;
  status: QueueStatus;
  /** Attempts that ended in a retry or a failure. */
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewQueuedJob {
  jobId: number;
  projectId: number;
  pipelineId: number;
}

export interface JobQueueRepository {
  /** Adds jobs not seen before (others are left as they are); returns how many were new. */
  enqueueJobs(jobs: readonly NewQueuedJob[]): number;
  /** Pending jobs whose next attempt is due at `now`, the longest-waiting first. */
  dueJobs(now: Timestamp, limit: number): QueuedJob[];
  /** Returns false if the job is not in the queue. */
  markJobDone(jobId: number): boolean;
  /** Counts a failed attempt and schedules the next one. */
  markJobRetry(jobId: number, error: string, nextAttemptAt: Timestamp): boolean;
  /** Puts a job back without counting an attempt: GitLab asked the bot to wait, nothing failed. */
  postponeJob(jobId: number, reason: string, nextAttemptAt: Timestamp): boolean;
  /** Counts a failed attempt and gives up on the job; the caller decides when. */
  markJobFailed(jobId: number, error: string): boolean;
  /** Whether the job was ever enqueued, whatever its status. */
  isJobKnown(jobId: number): boolean;
  getJob(jobId: number): QueuedJob | undefined;
  /** Jobs per status, e.g. for /metrics. */
  countJobs(): Record<QueueStatus, number>;
  /**
   * Records a webhook delivery's key; false when it was received before, even
   * before a restart. Keys older than `DELIVERY_MEMORY_MS` are forgotten.
   */
  firstDelivery(key: string): boolean;
}

/** GitLab resends a delivery within minutes, if at all: a day is plenty. */
export const DELIVERY_MEMORY_MS = 24 * 60 * 60 * 1000;

interface QueueRow {
  job_id: number;
  project_id: number;
  pipeline_id: number;
  status: QueueStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

function toQueuedJob(row: QueueRow): QueuedJob {
  return {
    jobId: row.job_id,
    projectId: row.project_id,
    pipelineId: row.pipeline_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createJobQueueRepository({ db, now }: StoreContext): JobQueueRepository {
  const insert = db.prepare<[number, number, number, string, string, string]>(
    `INSERT INTO job_queue (job_id, project_id, pipeline_id, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (job_id) DO NOTHING`,
  );
  const due = db.prepare<[string, number], QueueRow>(
    `SELECT * FROM job_queue
     WHERE status = 'pending' AND next_attempt_at <= ?
     ORDER BY next_attempt_at, job_id
     LIMIT ?`,
  );
  const done = db.prepare<[string, number]>(
    `UPDATE job_queue SET status = 'done', updated_at = ? WHERE job_id = ?`,
  );
  const retry = db.prepare<[string, string, string, number]>(
    `UPDATE job_queue
     SET status = 'pending', attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ?
     WHERE job_id = ?`,
  );
  const postpone = db.prepare<[string, string, string, number]>(
    `UPDATE job_queue
     SET status = 'pending', last_error = ?, next_attempt_at = ?, updated_at = ?
     WHERE job_id = ?`,
  );
  const failed = db.prepare<[string, string, number]>(
    `UPDATE job_queue
     SET status = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ?
     WHERE job_id = ?`,
  );
  const select = db.prepare<[number], QueueRow>('SELECT * FROM job_queue WHERE job_id = ?');
  const counts = db.prepare<[], { status: QueueStatus; n: number }>(
    'SELECT status, count(*) AS n FROM job_queue GROUP BY status',
  );
  const deliver = db.prepare<[string, string]>(
    'INSERT INTO webhook_deliveries (key, received_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
  );
  const forget = db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE received_at < ?');
  let deliveries = 0;
  const enqueueAll = db.transaction((jobs: readonly NewQueuedJob[], at: string) => {
    let added = 0;
    for (const job of jobs) {
      added += insert.run(job.jobId, job.projectId, job.pipelineId, at, at, at).changes;
    }
    return added;
  });

  return {
    enqueueJobs(jobs) {
      return enqueueAll(jobs, toIso(now()));
    },
    dueJobs(at, limit) {
      if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError(`limit must be a whole number of 1 or more, got ${limit}`);
      }
      return due.all(toIso(at), limit).map(toQueuedJob);
    },
    markJobDone(jobId) {
      return done.run(toIso(now()), jobId).changes > 0;
    },
    markJobRetry(jobId, error, nextAttemptAt) {
      const changes = retry.run(maskSecrets(error), toIso(nextAttemptAt), toIso(now()), jobId);
      return changes.changes > 0;
    },
    postponeJob(jobId, reason, nextAttemptAt) {
      const changes = postpone.run(maskSecrets(reason), toIso(nextAttemptAt), toIso(now()), jobId);
      return changes.changes > 0;
    },
    markJobFailed(jobId, error) {
      return failed.run(maskSecrets(error), toIso(now()), jobId).changes > 0;
    },
    isJobKnown(jobId) {
      return select.get(jobId) !== undefined;
    },
    getJob(jobId) {
      const row = select.get(jobId);
      return row && toQueuedJob(row);
    },
    firstDelivery(key) {
      const at = now();
      // Old keys go now and then, not on every delivery.
      if (deliveries++ % 1000 === 0) forget.run(toIso(new Date(at.getTime() - DELIVERY_MEMORY_MS)));
      return deliver.run(key, toIso(at)).changes > 0;
    },
    countJobs() {
      const result: Record<QueueStatus, number> = { pending: 0, done: 0, failed: 0 };
      for (const { status, n } of counts.all()) {
        result[status] = n;
      }
      return result;
    },
  };
}
