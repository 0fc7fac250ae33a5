import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  median,
  parseSince,
  summarizeTimings,
  type IncidentTiming,
} from '../../src/store/index.js';
import { STORE_KINDS, openTestStore, type TestStore } from './open-test-store.js';

describe.each(STORE_KINDS)('stats (%s)', (kind) => {
  let t: TestStore;

  beforeEach(() => {
    t = openTestStore(kind);
  });

  afterEach(() => {
    t.cleanup();
  });

  function addIncident(n: number, patternId: string, verdict: string, jobsOnDays: number[]) {
    const { incident } = t.store.incidents.upsertIncident({
      rootCauseKey: `key-${n}`,
      patternId,
      verdict,
      projectId: n,
      projectPath: `group/project-${n % 2}`,
      targetProjectPath: n === 1 ? 'containers/poetry' : null,
      summary: `incident ${n}`,
      seenAt: new Date(Date.UTC(2025, 0, jobsOnDays[0] ?? 1)),
    });
    jobsOnDays.forEach((day, j) => {
      t.store.occurrences.addOccurrence({
        incidentId: incident.id,
        projectId: n,
        pipelineId: n * 100 + j,
        jobId: n * 100 + j,
        jobName: 'build',
        jobUrl: `https://gitlab.example.com/j/${n * 100 + j}`,
        pipelineUrl: `https://gitlab.example.com/p/${n * 100 + j}`,
        ref: 'main',
        sha: 'abc',
        failedAt: new Date(Date.UTC(2025, 0, day, 10 + j)),
      });
    });
    return incident.id;
  }

  it('counts incidents and failed jobs by pattern, verdict and status', () => {
    addIncident(1, 'registry-pull-denied', 'allowlist-missing', [1, 1, 2]);
    const fixed = addIncident(2, 'registry-pull-denied', 'allowlist-missing', [2]);
    addIncident(3, 'out-of-memory', 'log-only', [3]);
    t.store.lifecycle.moveIncident(fixed, 'fixed-by-hand');

    expect(t.store.stats.incidentCounts()).toEqual([
      {
        patternId: 'out-of-memory',
        verdict: 'log-only',
        status: 'open',
        incidents: 1,
        failedJobs: 1,
      },
      {
        patternId: 'registry-pull-denied',
        verdict: 'allowlist-missing',
        status: 'fixed',
        incidents: 1,
        failedJobs: 1,
      },
      {
        patternId: 'registry-pull-denied',
        verdict: 'allowlist-missing',
        status: 'open',
        incidents: 1,
        failedJobs: 3,
      },
    ]);
    expect(t.store.stats.incidentCounts('2025-01-02T13:00:00Z')).toEqual([
      expect.objectContaining({ patternId: 'out-of-memory', incidents: 1, failedJobs: 1 }),
    ]);
  });

  it('counts each incident once per day it failed, and the jobs', () => {
    addIncident(1, 'registry-pull-denied', 'allowlist-missing', [1, 1, 2]);
    addIncident(2, 'registry-pull-denied', 'allowlist-missing', [2]);

    expect(t.store.stats.dailyCounts('2025-01-01T00:00:00Z')).toEqual([
      {
        day: '2025-01-01',
        patternId: 'registry-pull-denied',
        verdict: 'allowlist-missing',
        incidents: 1,
        failedJobs: 2,
      },
      {
        day: '2025-01-02',
        patternId: 'registry-pull-denied',
        verdict: 'allowlist-missing',
        incidents: 2,
        failedJobs: 2,
      },
    ]);
    expect(t.store.stats.dailyCounts('2025-01-02T00:00:00Z')).toHaveLength(1);
  });

  it('ranks the failing projects by failed jobs', () => {
    addIncident(1, 'a', 'x', [1, 1, 2]);
    addIncident(2, 'b', 'x', [2]);
    addIncident(3, 'c', 'x', [3]);

    expect(t.store.stats.topProjects('2025-01-01T00:00:00Z', 5)).toEqual([
      { projectPath: 'group/project-1', incidents: 2, failedJobs: 4 },
      { projectPath: 'group/project-0', incidents: 1, failedJobs: 1 },
    ]);
    expect(t.store.stats.topProjects('2025-01-01T00:00:00Z', 1)).toHaveLength(1);
  });

  it('times failure → first note → fix from the action trail and the status', () => {
    const noted = addIncident(1, 'a', 'x', [1]);
    const fixedByAction = addIncident(2, 'a', 'x', [1]);
    const fixedByStatus = addIncident(3, 'b', 'y', [1]);
    const none = addIncident(4, 'b', 'y', [1]);
    const oneClick = addIncident(5, 'b', 'y', [1]);
    const byHand = addIncident(6, 'b', 'y', [1]);
    const at = (hour: number) => new Date(Date.UTC(2025, 0, 1, hour));
    const act = (
      incidentId: number,
      kind: string,
      status: string,
      hour: number,
      detail?: Record<string, unknown>,
    ) =>
      t.store.actions.recordAction({
        incidentId,
        kind,
        status,
        ...(detail ? { detail } : {}),
        at: at(hour),
      });
    for (const id of [oneClick, byHand]) act(id, 'note-created', 'ok', 11);
    // The one-click flow: a dry run and a removal are not fixes; the 201 for the add is.
    const write = (status: string, op: string, hour: number) =>
      act(oneClick, 'api-write', status, hour, { op });
    write('dry-run', 'add', 12);
    write('204', 'remove', 13);
    write('201', 'add', 15);
    act(byHand, 'fix-outcome', 'failed', 12);
    act(byHand, 'fix-outcome', 'fixed-by-hand', 16);
    act(noted, 'note-edited', 'ok', 12);
    act(noted, 'note-created', 'ok', 11);
    act(fixedByAction, 'note-created', 'ok', 11);
    act(fixedByAction, 'outcome', 'failed', 12);
    act(fixedByAction, 'outcome', 'ok', 14);
    act(fixedByStatus, 'note-edited', 'ok', 13);
    t.store.lifecycle.moveIncident(fixedByStatus, 'fixed-by-hand'); // the store clock: 2025-01-01T00:00Z

    const rows = t.store.stats.timings();

    expect(rows.map((r) => [r.incidentId, r.failedAt, r.notedAt, r.fixedAt])).toEqual([
      [noted, '2025-01-01T10:00:00.000Z', '2025-01-01T11:00:00.000Z', null],
      [
        fixedByAction,
        '2025-01-01T10:00:00.000Z',
        '2025-01-01T11:00:00.000Z',
        '2025-01-01T14:00:00.000Z',
      ],
      [
        fixedByStatus,
        '2025-01-01T10:00:00.000Z',
        '2025-01-01T13:00:00.000Z',
        '2025-01-01T00:00:00.000Z',
      ],
      [none, '2025-01-01T10:00:00.000Z', null, null],
      [
        oneClick,
        '2025-01-01T10:00:00.000Z',
        '2025-01-01T11:00:00.000Z',
        '2025-01-01T15:00:00.000Z',
      ],
      [byHand, '2025-01-01T10:00:00.000Z', '2025-01-01T11:00:00.000Z', '2025-01-01T16:00:00.000Z'],
    ]);
  });

  it('lists the values the filters can take', () => {
    addIncident(1, 'b-pattern', 'allowlist-missing', [1]);
    addIncident(2, 'a-pattern', 'log-only', [1]);

    expect(t.store.stats.filterValues()).toEqual({
      patterns: ['a-pattern', 'b-pattern'],
      verdicts: ['allowlist-missing', 'log-only'],
      projects: ['containers/poetry', 'group/project-0', 'group/project-1'],
    });
  });
});

describe('summarizeTimings', () => {
  function timing(
    incidentId: number,
    patternId: string,
    notedAfterMin: number | null,
    fixedAfterMin: number | null,
  ): IncidentTiming {
    const failed = Date.UTC(2025, 0, 1);
    const noted = notedAfterMin === null ? null : failed + notedAfterMin * 60_000;
    return {
      incidentId,
      patternId,
      verdict: 'x',
      status: 'open',
      failedAt: new Date(failed).toISOString(),
      notedAt: noted === null ? null : new Date(noted).toISOString(),
      fixedAt:
        noted === null || fixedAfterMin === null
          ? null
          : new Date(noted + fixedAfterMin * 60_000).toISOString(),
    };
  }

  it('takes medians overall and per pattern, counting only what is known', () => {
    const summary = summarizeTimings([
      timing(1, 'a', 2, 60),
      timing(2, 'a', 4, null),
      timing(3, 'b', 10, 120),
      timing(4, 'b', null, null),
    ]);

    expect(summary.toNote).toEqual({ seconds: 240, count: 3 });
    expect(summary.noteToFix).toEqual({ seconds: 5400, count: 2 });
    expect(summary.byPattern).toEqual([
      {
        patternId: 'a',
        toNote: { seconds: 180, count: 2 },
        noteToFix: { seconds: 3600, count: 1 },
      },
      {
        patternId: 'b',
        toNote: { seconds: 600, count: 1 },
        noteToFix: { seconds: 7200, count: 1 },
      },
    ]);
  });

  it('reads a note stamped before the failure (clock skew) as immediate', () => {
    expect(summarizeTimings([timing(1, 'a', -3, null)]).toNote).toEqual({ seconds: 0, count: 1 });
  });

  it('has no median without data', () => {
    expect(summarizeTimings([])).toEqual({
      toNote: { seconds: undefined, count: 0 },
      noteToFix: { seconds: undefined, count: 0 },
      byPattern: [],
    });
  });

  it.each([
    [[], undefined],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('median(%j) is %j', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('parseSince', () => {
  const now = new Date('2025-05-10T12:00:00Z');

  it.each([
    ['7d', '2025-05-03T12:00:00.000Z'],
    ['24h', '2025-05-09T12:00:00.000Z'],
    ['30m', '2025-05-10T11:30:00.000Z'],
    ['2w', '2025-04-26T12:00:00.000Z'],
    ['2025-05-01', '2025-05-01T00:00:00.000Z'],
    ['2025-05-01T10:00:00+02:00', '2025-05-01T08:00:00.000Z'],
  ])('reads %s', (text, expected) => {
    expect(parseSince(text, now)).toBe(expected);
  });

  it.each(['yesterday', '2025-05-01 10:00', '7 days', ''])(
    'refuses %j and says what works',
    (text) => {
      expect(() => parseSince(text, now)).toThrow(/write an age \(7d, 24h\), a day \(2025-05-01\)/);
    },
  );
});
