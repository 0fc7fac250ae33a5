import { describe, expect, it } from 'vitest';
import {
  buildStats,
  createProgress,
  csvCell,
  formatPruneReport,
  formatStats,
  incidentsToCsv,
  textTable,
} from '../../src/cli/incidents-report.js';
import type { Incident } from '../../src/store/index.js';

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 1,
    rootCauseKey: 'k',
    patternId: 'registry-pull-denied',
    verdict: 'allowlist-missing',
    status: 'open',
    statusSince: '2025-01-01T00:00:00.000Z',
    projectId: 1,
    projectPath: 'team/app',
    targetProjectId: 2,
    targetProjectPath: 'containers/poetry',
    fields: {},
    evidence: null,
    checks: [],
    summary: 'Pull denied',
    occurrences: 2,
    diagnosis: null,
    firstSeenAt: '2025-01-01T00:00:00.000Z',
    lastSeenAt: '2025-01-02T00:00:00.000Z',
    updatedAt: '2025-01-02T00:00:00.000Z',
    ...overrides,
  };
}

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    [42, '42'],
    [null, ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=1+1', "'=1+1"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['=HYPERLINK("http://evil","x")', '"\'=HYPERLINK(""http://evil"",""x"")"'],
    ['a=b', 'a=b'],
  ] as const)('cell %j is %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('writes a header row and CRLF-terminated records', () => {
    const csv = incidentsToCsv([
      incident(),
      incident({ id: 2, targetProjectPath: null, summary: '=cmd|"/c calc"!A1' }),
    ]);

    expect(csv.split('\r\n')).toEqual([
      'id,first_seen,last_seen,status,pattern,verdict,project,target_project,occurrences,summary,root_cause_key',
      '1,2025-01-01T00:00:00.000Z,2025-01-02T00:00:00.000Z,open,registry-pull-denied,allowlist-missing,team/app,containers/poetry,2,Pull denied,k',
      '2,2025-01-01T00:00:00.000Z,2025-01-02T00:00:00.000Z,open,registry-pull-denied,allowlist-missing,team/app,,2,"\'=cmd|""/c calc""!A1",k',
      '',
    ]);
  });
});

describe('stats', () => {
  const stats = buildStats({
    since: '2025-01-01T00:00:00.000Z',
    counts: [
      { patternId: 'a', verdict: 'x', status: 'open', incidents: 2, failedJobs: 5 },
      { patternId: 'a', verdict: 'y', status: 'fixed', incidents: 1, failedJobs: 1 },
      { patternId: 'b', verdict: 'x', status: 'open', incidents: 3, failedJobs: 3 },
    ],
    daily: [
      { day: '2025-01-02', patternId: 'a', verdict: 'x', incidents: 1, failedJobs: 2 },
      { day: '2025-01-01', patternId: 'a', verdict: 'x', incidents: 2, failedJobs: 3 },
      { day: '2025-01-01', patternId: 'b', verdict: 'x', incidents: 1, failedJobs: 1 },
    ],
    timings: [
      {
        incidentId: 1,
        patternId: 'a',
        verdict: 'x',
        status: 'fixed',
        failedAt: '2025-01-01T00:00:00.000Z',
        notedAt: '2025-01-01T00:04:00.000Z',
        fixedAt: '2025-01-01T02:04:00.000Z',
      },
      {
        incidentId: 2,
        patternId: 'b',
        verdict: 'x',
        status: 'open',
        failedAt: '2025-01-01T00:00:00.000Z',
        notedAt: null,
        fixedAt: null,
      },
    ],
  });

  it('adds up per pattern, verdict, status and day', () => {
    expect(stats).toMatchObject({
      incidents: 6,
      failedJobs: 9,
      byPattern: [
        { patternId: 'a', incidents: 3, failedJobs: 6 },
        { patternId: 'b', incidents: 3, failedJobs: 3 },
      ],
      byVerdict: [
        { verdict: 'x', incidents: 5, failedJobs: 8 },
        { verdict: 'y', incidents: 1, failedJobs: 1 },
      ],
      byStatus: [
        { status: 'open', incidents: 5 },
        { status: 'fixed', incidents: 1 },
      ],
      perDay: [
        {
          day: '2025-01-01',
          incidents: 3,
          failedJobs: 4,
          byPattern: { a: 2, b: 1 },
          byVerdict: { x: 3 },
        },
        { day: '2025-01-02', incidents: 1, failedJobs: 2, byPattern: { a: 1 } },
      ],
      timeToNote: { medianSeconds: 240, incidents: 1 },
      noteToFix: { medianSeconds: 7200, incidents: 1 },
    });
  });

  it('prints tables and medians', () => {
    const text = formatStats(stats);

    expect(text).toContain('6 incidents, 9 failed jobs (since 2025-01-01 00:00 UTC');
    expect(text).toContain('pattern  incidents  failed jobs\na                3            6');
    expect(text).toContain('2025-01-01          3            4  a 2, b 1');
    expect(text).toContain('Failure → first note: median 4 min (over 1 incident)');
    expect(text).toContain('Note → fix:           median 2 h (over 1 incident)');
  });

  it('says when there is nothing to count or time', () => {
    const empty = buildStats({ since: null, counts: [], daily: [], timings: [] });

    expect(formatStats(empty)).toBe('No incidents all time.\n');
    expect(empty.timeToNote).toEqual({ medianSeconds: null, incidents: 0 });
    expect(
      formatStats(
        buildStats({
          since: null,
          counts: [{ patternId: 'a', verdict: 'x', status: 'open', incidents: 1, failedJobs: 1 }],
          daily: [],
          timings: [],
        }),
      ),
    ).toContain('Note → fix:           no fix recorded yet');
  });

  it('aligns text left and numbers right', () => {
    expect(
      textTable(
        ['name', 'n'],
        [
          ['a', 10],
          ['long name', 2],
        ],
      ),
    ).toBe('name        n\na          10\nlong name   2');
  });
});

describe('prune report', () => {
  const result = {
    incidents: 3,
    occurrences: 7,
    actions: 9,
    notesDeleted: 1,
    notesUpdated: 2,
    writesKept: 4,
    queuedJobs: 12,
    auditRemoved: 0,
  };
  const base = { olderThan: '90d', before: '2025-02-01T00:00:00.000Z' };

  it('says what was removed and vacuumed', () => {
    expect(
      formatPruneReport({
        ...base,
        result,
        dryRun: false,
        vacuum: { bytesBefore: 2 * 1024 * 1024, bytesAfter: 512 * 1024 },
      }),
    ).toBe(
      'Removed 3 closed or fixed incidents older than 90d (no activity since 2025-02-01 00:00 UTC), with 7 failed jobs and 9 actions; 1 note record forgotten, 2 note records updated.\n' +
        'Open and error incidents are kept, and so is the record of the writes the bot made to GitLab (4 actions kept from the removed incidents); 12 finished queued jobs removed.\n' +
        'The record of writes is kept for good (DIAGNOSER_AUDIT_RETENTION is not set).\n' +
        'Vacuumed: 2.0 MiB → 512.0 KiB on disk.\n',
    );
  });

  it('says what would be removed in a dry run, and when nothing is old enough', () => {
    expect(formatPruneReport({ ...base, result, dryRun: true })).toMatch(
      /^Would remove 3 .*\nDry run: nothing was changed\.\n$/s,
    );
    expect(
      formatPruneReport({ ...base, result: { ...result, incidents: 0 }, dryRun: false }),
    ).toMatch(/^No closed or fixed incident is older than 90d/);
  });
});

describe('progress', () => {
  function sink() {
    const chunks: string[] = [];
    return {
      chunks,
      stream: { write: (c: string) => chunks.push(c) } as unknown as NodeJS.WritableStream,
    };
  }

  it('draws one line on a terminal and clears it', () => {
    const { chunks, stream } = sink();
    const progress = createProgress(stream, true);

    progress.update('1 of 2');
    progress.update('2 of 2');
    progress.clear();
    progress.clear();

    expect(chunks).toEqual(['\r\x1b[2K1 of 2', '\r\x1b[2K2 of 2', '\r\x1b[2K']);
  });

  it('stays silent when the output is not a terminal', () => {
    const { chunks, stream } = sink();
    const progress = createProgress(stream, false);

    progress.update('x');
    progress.clear();

    expect(chunks).toEqual([]);
  });
});
