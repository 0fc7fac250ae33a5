import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORE_KINDS, openTestStore, type TestStore } from './open-test-store.js';

const START = '2025-01-01T00:00:00.000Z';

describe.each(STORE_KINDS)('job queue (%s)', (kind) => {
  let t: TestStore;

  beforeEach(() => {
    t = openTestStore(kind);
  });

  afterEach(() => {
    t.cleanup();
  });

  it('enqueues new jobs as pending and due now', () => {
    const added = t.store.jobQueue.enqueueJobs([
      { jobId: 1, projectId: 10, pipelineId: 100 },
      { jobId: 2, projectId: 10, pipelineId: 100 },
    ]);

    expect(added).toBe(2);
    expect(t.store.jobQueue.getJob(1)).toEqual({
      jobId: 1,
      projectId: 10,
      pipelineId: 100,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: START,
      lastError: null,
      createdAt: START,
      updatedAt: START,
    });
    expect(t.store.jobQueue.dueJobs(START, 10).map((job) => job.jobId)).toEqual([1, 2]);
  });

  it('is idempotent: enqueueing a known job changes nothing', () => {
    t.store.jobQueue.enqueueJobs([{ jobId: 1, projectId: 10, pipelineId: 100 }]);
    t.store.jobQueue.markJobDone(1);

    const added = t.store.jobQueue.enqueueJobs([
      { jobId: 1, projectId: 10, pipelineId: 100 },
      { jobId: 1, projectId: 10, pipelineId: 100 },
    ]);

    expect(added).toBe(0);
    expect(t.store.jobQueue.getJob(1)?.status).toBe('done');
    expect(t.store.jobQueue.isJobKnown(1)).toBe(true);
    expect(t.store.jobQueue.isJobKnown(2)).toBe(false);
  });

  it('retries later, counting attempts and keeping the error', () => {
    t.store.jobQueue.enqueueJobs([{ jobId: 1, projectId: 10, pipelineId: 100 }]);

    const marked = t.store.jobQueue.markJobRetry(
      1,
      'GitLab answered 503',
      new Date('2025-01-01T00:05:00Z'),
    );

    expect(marked).toBe(true);
    expect(t.store.jobQueue.dueJobs('2025-01-01T00:04:59Z', 10)).toEqual([]);
    expect(t.store.jobQueue.dueJobs('2025-01-01T00:05:00Z', 10)).toEqual([
      expect.objectContaining({
        jobId: 1,
        status: 'pending',
        attempts: 1,
        lastError: 'GitLab answered 503',
        nextAttemptAt: '2025-01-01T00:05:00.000Z',
      }),
    ]);
  });

  it('does not return done or failed jobs', () => {
    t.store.jobQueue.enqueueJobs([
      { jobId: 1, projectId: 10, pipelineId: 100 },
      { jobId: 2, projectId: 10, pipelineId: 100 },
      { jobId: 3, projectId: 10, pipelineId: 100 },
    ]);

    t.store.jobQueue.markJobDone(1);
    t.store.jobQueue.markJobFailed(2, 'gave up after 5 attempts');

    expect(t.store.jobQueue.dueJobs(START, 10).map((job) => job.jobId)).toEqual([3]);
    expect(t.store.jobQueue.getJob(2)).toEqual(
      expect.objectContaining({
        status: 'failed',
        attempts: 1,
        lastError: 'gave up after 5 attempts',
      }),
    );
    expect(t.store.jobQueue.countJobs()).toEqual({ pending: 1, done: 1, failed: 1 });
  });

  it('returns the longest-waiting jobs first, up to the limit', () => {
    t.store.jobQueue.enqueueJobs([{ jobId: 5, projectId: 10, pipelineId: 100 }]);
    t.tick(60_000);
    t.store.jobQueue.enqueueJobs([
      { jobId: 3, projectId: 10, pipelineId: 101 },
      { jobId: 4, projectId: 10, pipelineId: 101 },
    ]);

    const due = t.store.jobQueue.dueJobs('2025-01-01T01:00:00Z', 2);

    expect(due.map((job) => job.jobId)).toEqual([5, 3]);
  });

  it('reports unknown jobs instead of inventing them', () => {
    expect(t.store.jobQueue.markJobDone(42)).toBe(false);
    expect(t.store.jobQueue.markJobRetry(42, 'x', START)).toBe(false);
    expect(t.store.jobQueue.markJobFailed(42, 'x')).toBe(false);
    expect(t.store.jobQueue.getJob(42)).toBeUndefined();
  });

  it('masks a GitLab token that slipped into an error', () => {
    t.store.jobQueue.enqueueJobs([{ jobId: 1, projectId: 10, pipelineId: 100 }]);

    t.store.jobQueue.markJobRetry(1, 'GET failed with token glpat-AbCdEf1234567890xyz_', START);

    expect(t.store.jobQueue.getJob(1)?.lastError).toBe('GET failed with token [MASKED]');
  });

  it('rejects a time without a zone', () => {
    expect(() => t.store.jobQueue.dueJobs('2025-01-01 00:00', 10)).toThrow(/ISO-8601/);
  });
});
