import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../src/domain/lifecycle.js';
import type { IncidentStatus } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { STORE_KINDS, openTestStore, type TestStore } from './open-test-store.js';

const OLD = '2024-01-01T00:00:00Z';
// After the store clock (2025-01-01), which stamps updated_at.
const CUTOFF = '2025-02-01T00:00:00Z';
const RECENT = '2025-03-01T00:00:00Z';
/** The lifecycle event that brings a new incident to each status. */
const EVENT_TO = {
  fixed: 'fixed-by-hand',
  closed: 'quiet',
  error: 'lost-access',
} as const satisfies Record<Exclude<IncidentStatus, 'open'>, LifecycleEvent>;

describe.each(STORE_KINDS)('retention (%s)', (kind) => {
  let t: TestStore;

  beforeEach(() => {
    t = openTestStore(kind); // its clock says 2025-01-01
  });

  afterEach(() => {
    t.cleanup();
  });

  /** An incident last seen at `seenAt` with one failed job and one action, then given `status`. */
  function incident(n: number, status: IncidentStatus, seenAt = OLD): number {
    const { incident: created } = t.store.incidents.upsertIncident({
      rootCauseKey: `key-${n}`,
      patternId: 'p',
      verdict: 'v',
      projectId: 1,
      projectPath: 'g/p',
      summary: `incident ${n}`,
      seenAt,
    });
    t.store.occurrences.addOccurrence({
      incidentId: created.id,
      projectId: 1,
      pipelineId: n,
      jobId: n,
      jobName: 'build',
      jobUrl: `https://gitlab.example.com/j/${n}`,
      pipelineUrl: `https://gitlab.example.com/p/${n}`,
      ref: 'main',
      sha: 'abc',
      failedAt: seenAt,
    });
    t.store.actions.recordAction({
      incidentId: created.id,
      kind: 'note-created',
      status: 'ok',
      at: seenAt,
    });
    if (status !== 'open') t.store.lifecycle.moveIncident(created.id, EVENT_TO[status]);
    return created.id;
  }

  it('removes old fixed and closed incidents with their jobs and actions, and keeps the rest', () => {
    const fixed = incident(1, 'fixed');
    const closed = incident(2, 'closed');
    const open = incident(3, 'open');
    const error = incident(4, 'error');
    const recent = incident(5, 'fixed', RECENT);

    const result = t.store.retention.pruneIncidents(CUTOFF);

    expect(result).toEqual({
      incidents: 2,
      occurrences: 2,
      // Each: the note, and the status change that ended it.
      actions: 4,
      notesDeleted: 0,
      notesUpdated: 0,
      writesKept: 0,
      queuedJobs: 0,
      auditRemoved: 0,
    });
    expect(
      t.store.incidents
        .listIncidents()
        .map((i) => i.id)
        .sort(),
    ).toEqual([open, error, recent]);
    expect(t.store.occurrences.listOccurrences(fixed)).toEqual([]);
    expect(t.store.actions.listActions(closed)).toEqual([]);
    expect(t.store.actions.listActions(open)).toHaveLength(1);
  });

  it('keeps the record of writes the bot made to GitLab when it removes the incident', () => {
    const fixed = incident(1, 'fixed');
    for (const kind of ['approval', 'api-write', 'retry']) {
      t.store.actions.recordAction({
        incidentId: fixed,
        kind,
        actor: kind === 'approval' ? 'bob' : null,
        status: kind === 'api-write' ? '201' : 'ok',
        detail: { op: 'add' },
        at: OLD,
      });
    }

    const result = t.store.retention.pruneIncidents(CUTOFF);

    expect(result).toMatchObject({ incidents: 1, actions: 2, writesKept: 3 });
    expect(t.store.incidents.getIncident(fixed)).toBeUndefined();
    const kept = t.store.actions.listDetachedActions();
    expect(kept.map((a) => `${a.kind}:${a.status}:${a.actor}`)).toEqual([
      'approval:ok:bob',
      'api-write:201:null',
      'retry:ok:null',
    ]);
    // What it was about stays with it.
    expect(kept[1]?.detail).toEqual({
      op: 'add',
      incident: {
        id: fixed,
        rootCauseKey: 'key-1',
        project: 'g/p',
        target: null,
      },
    });

    // Kept for as long as the admin says: here, writes older than the cut-off go.
    expect(t.store.retention.pruneAuditTrail(OLD)).toBe(0);
    expect(t.store.retention.pruneAuditTrail(CUTOFF)).toBe(3);
    expect(t.store.actions.listDetachedActions()).toEqual([]);
  });

  it('removes finished job queue rows older than the cut-off, and keeps pending ones', () => {
    const queue = t.store.jobQueue;
    queue.enqueueJobs([1, 2, 3].map((jobId) => ({ jobId, projectId: 1, pipelineId: 1 })));
    queue.markJobDone(1);
    queue.markJobFailed(2, 'gone');

    expect(t.store.retention.pruneIncidents(CUTOFF).queuedJobs).toBe(2);
    expect(queue.dueJobs(RECENT, 10).map((j) => j.jobId)).toEqual([3]);
  });

  it('keeps an incident with a recent action or update', () => {
    const withAction = incident(1, 'fixed');
    incident(2, 'fixed');
    t.store.actions.recordAction({
      incidentId: withAction,
      kind: 'outcome',
      status: 'ok',
      at: RECENT,
    });

    const result = t.store.retention.pruneIncidents(CUTOFF);

    expect(result.incidents).toBe(1);
    expect(t.store.incidents.getIncident(withAction)).toBeDefined();
  });

  it('takes removed incidents off the notes, and forgets notes left with none', () => {
    const removed = incident(1, 'fixed');
    const kept = incident(2, 'open');
    const note = (key: string, ids: number[]) =>
      t.store.notes.saveNote({
        projectId: 1,
        targetKind: 'merge_request',
        targetKey: key,
        noteId: Number(key),
        url: `https://gitlab.example.com/n/${key}`,
        bodyHash: 'h',
        incidentIds: ids,
      });
    note('1', [removed]);
    note('2', [removed, kept]);

    const result = t.store.retention.pruneIncidents(CUTOFF);

    expect(result).toMatchObject({ incidents: 1, notesDeleted: 1, notesUpdated: 1 });
    expect(t.store.notes.findNote(1, 'merge_request', 1)).toBeUndefined();
    expect(t.store.notes.findNote(1, 'merge_request', 2)?.incidentIds).toEqual([kept]);
  });

  it('counts without changing anything in a dry run', () => {
    incident(1, 'fixed');
    incident(2, 'closed');

    const dry = t.store.retention.pruneIncidents(CUTOFF, { dryRun: true });

    expect(dry).toMatchObject({ incidents: 2, occurrences: 2, actions: 4 });
    expect(t.store.incidents.listIncidents()).toHaveLength(2);
  });

  it('works in batches', () => {
    for (let n = 1; n <= 5; n++) incident(n, 'closed');

    const first = t.store.retention.pruneIncidents(CUTOFF, { limit: 2 });
    const rest = t.store.retention.pruneIncidents(CUTOFF, { limit: 10 });

    expect([first.incidents, rest.incidents]).toEqual([2, 3]);
    expect(() => t.store.retention.pruneIncidents(CUTOFF, { limit: 0 })).toThrow(RangeError);
  });

  it('vacuums', () => {
    incident(1, 'closed');
    t.store.retention.pruneIncidents(CUTOFF);

    expect(() => t.store.retention.vacuum()).not.toThrow();
    expect(t.store.incidents.listIncidents()).toEqual([]);
  });
});

describe('migration 3', () => {
  it('indexes occurrences by failure time', () => {
    const third = migrations.find((m) => m.version === 3);
    expect(third).toMatchObject({ name: 'report-indexes' });
    expect(third?.sql).toContain('occurrences_failed_at');
  });
});
