import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncidentInput } from '../../src/store/incidents.js';
import type { OccurrenceInput } from '../../src/store/occurrences.js';
import { STORE_KINDS, openTestStore, type TestStore } from './open-test-store.js';

const KEY = 'allowlist-missing:target=31:source=88';

function incidentInput(overrides: Partial<IncidentInput> = {}): IncidentInput {
  return {
    rootCauseKey: KEY,
    patternId: 'image-pull-denied',
    verdict: 'allowlist-missing',
    projectId: 88,
    projectPath: 'team/app',
    targetProjectId: 31,
    targetProjectPath: 'platform/images',
    fields: { image: 'registry.example.com/platform/images/node:20' },
    evidence: {
      line: 'pull access denied for registry.example.com/platform/images/node',
      lineNumber: 12,
      section: 'prepare_executor',
      runnerPrefix: true,
    },
    checks: [
      {
        check: 'allowlist-enabled',
        result: 'pass',
        detail: 'inbound allowlist is on',
        at: '2025-01-01T00:00:00.000Z',
      },
    ],
    summary: 'team/app is not on the job token allowlist of platform/images',
    ...overrides,
  };
}

function occurrenceInput(incidentId: number, jobId: number, minute = 0): OccurrenceInput {
  return {
    incidentId,
    projectId: 88,
    pipelineId: 1000 + jobId,
    jobId,
    jobName: 'build',
    jobUrl: `https://gitlab.example.com/team/app/-/jobs/${jobId}`,
    pipelineUrl: `https://gitlab.example.com/team/app/-/pipelines/${1000 + jobId}`,
    ref: 'feature',
    sha: `sha${jobId}`,
    mrIid: 7,
    failedAt: new Date(Date.UTC(2025, 0, 1, 0, minute)),
  };
}

describe.each(STORE_KINDS)('incidents and occurrences (%s)', (kind) => {
  let t: TestStore;

  beforeEach(() => {
    t = openTestStore(kind);
  });

  afterEach(() => {
    t.cleanup();
  });

  it('keeps the full diagnosis as JSON and replaces it on the next upsert', () => {
    const first = t.store.incidents.upsertIncident({
      ...incidentInput(),
      diagnosis: { verdict: 'a', checks: [1] },
    });
    const second = t.store.incidents.upsertIncident({
      ...incidentInput(),
      diagnosis: { verdict: 'b' },
    });
    const kept = t.store.incidents.upsertIncident(incidentInput());

    expect(first.incident.diagnosis).toEqual({ verdict: 'a', checks: [1] });
    expect(second.incident.diagnosis).toEqual({ verdict: 'b' });
    expect(kept.incident.diagnosis).toEqual({ verdict: 'b' });
  });

  it('creates an incident and reads its JSON columns back as objects', () => {
    const { incident, created } = t.store.incidents.upsertIncident(incidentInput());

    expect(created).toBe(true);
    // Every field given comes back as it was given, the JSON ones as objects.
    expect(incident).toEqual({
      id: expect.any(Number),
      ...incidentInput(),
      status: 'open',
      statusSince: '2025-01-01T00:00:00.000Z',
      occurrences: 0,
      diagnosis: null,
      firstSeenAt: '2025-01-01T00:00:00.000Z',
      lastSeenAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    expect(t.store.incidents.getIncident(incident.id)).toEqual(incident);
    expect(t.store.incidents.findIncidentByKey(KEY)).toEqual(incident);
  });

  it('groups 10 failed pipelines with one root cause into one incident with 10 occurrences', () => {
    const ids = new Set<number>();
    for (let job = 1; job <= 10; job++) {
      const { incident } = t.store.incidents.upsertIncident(
        incidentInput({ seenAt: new Date(Date.UTC(2025, 0, 1, 0, job)) }),
      );
      t.store.occurrences.addOccurrence(occurrenceInput(incident.id, job, job));
      ids.add(incident.id);
    }

    const [id] = [...ids];
    const incident = t.store.incidents.getIncident(id ?? -1);

    expect(ids.size).toBe(1);
    expect(incident?.occurrences).toBe(10);
    expect(incident?.firstSeenAt).toBe('2025-01-01T00:01:00.000Z');
    expect(incident?.lastSeenAt).toBe('2025-01-01T00:10:00.000Z');
    expect(t.store.occurrences.listOccurrences(id ?? -1).map((o) => o.jobId)).toEqual([
      10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
    ]);
    expect(t.store.incidents.listIncidents()).toHaveLength(1);
  });

  it('updates verdict, checks and summary on the same key, keeping id and first sighting', () => {
    const first = t.store.incidents.upsertIncident(
      incidentInput({ verdict: 'unverifiable', seenAt: '2025-01-01T00:00:00Z' }),
    );
    t.tick(60_000);

    const second = t.store.incidents.upsertIncident(
      incidentInput({
        verdict: 'allowlist-missing',
        checks: [],
        summary: 'now verified',
        seenAt: '2025-01-01T00:01:00Z',
      }),
    );

    expect(second.created).toBe(false);
    expect(second.incident).toEqual({
      ...first.incident,
      verdict: 'allowlist-missing',
      checks: [],
      summary: 'now verified',
      lastSeenAt: '2025-01-01T00:01:00.000Z',
      updatedAt: '2025-01-01T00:01:00.000Z',
    });
  });

  it('keeps the status unless one is given, and fills in a target learnt later', () => {
    const { incident } = t.store.incidents.upsertIncident(
      incidentInput({ targetProjectId: null, targetProjectPath: null }),
    );
    t.store.lifecycle.moveIncident(incident.id, 'fixed-by-hand');

    const again = t.store.incidents.upsertIncident(incidentInput());
    const reopened = t.store.incidents.upsertIncident(incidentInput({ status: 'open' }));

    expect(again.incident.status).toBe('fixed');
    expect(again.incident.targetProjectPath).toBe('platform/images');
    expect(reopened.incident.status).toBe('open');
  });

  it('does not move the seen-window backwards for a job processed late', () => {
    t.store.incidents.upsertIncident(incidentInput({ seenAt: '2025-01-02T00:00:00Z' }));

    const { incident } = t.store.incidents.upsertIncident(
      incidentInput({ seenAt: '2025-01-01T12:00:00Z' }),
    );

    expect(incident.firstSeenAt).toBe('2025-01-01T12:00:00.000Z');
    expect(incident.lastSeenAt).toBe('2025-01-02T00:00:00.000Z');
  });

  it('records an occurrence once: re-adding the same job does not bump the count', () => {
    const { incident } = t.store.incidents.upsertIncident(incidentInput());
    const first = t.store.occurrences.addOccurrence(occurrenceInput(incident.id, 1));

    const second = t.store.occurrences.addOccurrence({
      ...occurrenceInput(incident.id, 1),
      jobName: 'renamed',
    });

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.occurrence).toEqual(first.occurrence);
    expect(t.store.incidents.getIncident(incident.id)?.occurrences).toBe(1);
    expect(t.store.occurrences.listOccurrences(incident.id)).toHaveLength(1);
    expect(t.store.occurrences.findOccurrenceByJob(1)?.mrIid).toBe(7);
  });

  it('moves an incident by a lifecycle event, and records the change in its trail', () => {
    const { incident } = t.store.incidents.upsertIncident(incidentInput());
    t.tick();

    expect(t.store.lifecycle.moveIncident(incident.id, 'quiet', { quietDays: 30 })).toEqual({
      incidentId: incident.id,
      from: 'open',
      to: 'closed',
      event: 'quiet',
      at: '2025-01-01T00:00:01.000Z',
    });
    expect(t.store.lifecycle.moveIncident(999, 'quiet')).toBeUndefined();
    // A closed incident cannot be fixed; nothing changes.
    expect(t.store.lifecycle.moveIncident(incident.id, 'fixed-by-bot')).toBeUndefined();
    expect(t.store.incidents.getIncident(incident.id)).toEqual(
      expect.objectContaining({
        status: 'closed',
        statusSince: '2025-01-01T00:00:01.000Z',
        updatedAt: '2025-01-01T00:00:01.000Z',
      }),
    );
    expect(t.store.actions.listActions(incident.id)).toEqual([
      expect.objectContaining({
        kind: 'status',
        status: 'closed',
        detail: { quietDays: 30, from: 'open', event: 'quiet' },
      }),
    ]);
  });

  it('stores an incident without evidence, e.g. one recorded as an error', () => {
    const { incident } = t.store.incidents.upsertIncident(
      incidentInput({ rootCauseKey: 'error:job=5', status: 'error', evidence: null }),
    );

    expect(incident.evidence).toBeNull();
    expect(incident.status).toBe('error');
  });

  it('masks a GitLab token that slipped into the evidence', () => {
    const { incident } = t.store.incidents.upsertIncident(
      incidentInput({
        evidence: {
          line: 'curl -H "PRIVATE-TOKEN: glpat-AbCdEf1234567890xyz_" …',
          lineNumber: 1,
          section: null,
          runnerPrefix: false,
        },
      }),
    );

    expect(incident.evidence?.line).toBe('curl -H "PRIVATE-TOKEN: [MASKED]" …');
  });

  describe('listIncidents', () => {
    function seed(): void {
      const rows: Partial<IncidentInput>[] = [
        { rootCauseKey: 'a', seenAt: '2025-01-01T00:00:00Z' },
        {
          rootCauseKey: 'b',
          verdict: 'user-lacks-access',
          seenAt: '2025-01-02T00:00:00Z',
        },
        {
          rootCauseKey: 'c',
          patternId: 'npm-lockfile-out-of-sync',
          verdict: 'stale-lockfile',
          projectPath: 'team/web',
          targetProjectId: null,
          targetProjectPath: null,
          seenAt: '2025-01-03T00:00:00Z',
        },
        {
          rootCauseKey: 'd',
          projectPath: 'other/thing',
          targetProjectPath: 'team/web',
          status: 'fixed',
          seenAt: '2025-01-04T00:00:00Z',
        },
      ];
      for (const row of rows) {
        t.store.incidents.upsertIncident(incidentInput(row));
      }
    }

    function keys(filter: Parameters<TestStore['store']['incidents']['listIncidents']>[0]) {
      return t.store.incidents.listIncidents(filter).map((incident) => incident.rootCauseKey);
    }

    it.each([
      ['no filter, newest first', {}, ['d', 'c', 'b', 'a']],
      ['since', { since: '2025-01-02T00:00:00Z' }, ['d', 'c', 'b']],
      ['pattern', { patternId: 'npm-lockfile-out-of-sync' }, ['c']],
      ['verdict', { verdict: 'user-lacks-access' }, ['b']],
      ['status', { status: 'fixed' as const }, ['d']],
      ['project path, as failing or target project', { projectPath: 'team/web' }, ['d', 'c']],
      [
        'several filters together',
        { patternId: 'image-pull-denied', status: 'open' as const, since: '2025-01-02T00:00:00Z' },
        ['b'],
      ],
      ['limit and offset', { limit: 2, offset: 1 }, ['c', 'b']],
      ['nothing matches', { verdict: 'nope' }, []],
    ])('%s', (_name, filter, expected) => {
      seed();

      expect(keys(filter)).toEqual(expected);
    });

    it('rejects a limit out of range', () => {
      expect(() => t.store.incidents.listIncidents({ limit: 0 })).toThrow(RangeError);
      expect(() => t.store.incidents.listIncidents({ limit: 5000 })).toThrow(RangeError);
      expect(() => t.store.incidents.listIncidents({ offset: -1 })).toThrow(RangeError);
    });
  });
});
