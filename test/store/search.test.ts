import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncidentInput } from '../../src/store/incidents.js';
import { STORE_KINDS, openTestStore, type TestStore } from './open-test-store.js';

function input(n: number, overrides: Partial<IncidentInput> = {}): IncidentInput {
  return {
    rootCauseKey: `key-${n}`,
    patternId: 'registry-pull-denied',
    verdict: 'allowlist-missing',
    projectId: 88,
    projectPath: 'team/app',
    targetProjectPath: 'containers/poetry',
    summary: `Image pull denied ${n}`,
    seenAt: new Date(Date.UTC(2025, 0, 1, 0, n)),
    ...overrides,
  };
}

describe.each(STORE_KINDS)('searchIncidents (%s)', (kind) => {
  let t: TestStore;

  beforeEach(() => {
    t = openTestStore(kind);
    t.store.incidents.upsertIncident(input(1));
    t.store.incidents.upsertIncident(input(2, { verdict: 'user-lacks-access', status: 'fixed' }));
    t.store.incidents.upsertIncident(
      input(3, {
        patternId: 'out-of-memory',
        verdict: 'log-only',
        projectPath: 'data/etl',
        targetProjectPath: null,
        summary: 'The job ran out of memory (100%_used)',
      }),
    );
  });

  afterEach(() => {
    t.cleanup();
  });

  it('pages newest first and gives the total', () => {
    const first = t.store.incidents.searchIncidents({ limit: 2 });
    const second = t.store.incidents.searchIncidents({ limit: 2, offset: 2 });

    expect(first.total).toBe(3);
    expect(first.incidents.map((i) => i.rootCauseKey)).toEqual(['key-3', 'key-2']);
    expect(second.incidents.map((i) => i.rootCauseKey)).toEqual(['key-1']);
    expect(second.total).toBe(3);
  });

  it.each([
    ['memory', ['key-3']],
    ['POETRY', ['key-2', 'key-1']],
    ['lacks-access', ['key-2']],
    ['team/app denied', ['key-2', 'key-1']],
    ['team/app memory', []],
  ])('finds %j in summary, pattern, verdict or project paths', (text, keys) => {
    const page = t.store.incidents.searchIncidents({ text });

    expect(page.incidents.map((i) => i.rootCauseKey)).toEqual(keys);
    expect(page.total).toBe(keys.length);
  });

  it('reads % and _ literally', () => {
    expect(t.store.incidents.searchIncidents({ text: '100%_used' }).total).toBe(1);
    expect(t.store.incidents.searchIncidents({ text: '%' }).total).toBe(1);
    expect(t.store.incidents.searchIncidents({ text: 'a_p' }).total).toBe(0);
  });

  it('combines text with the filters of listIncidents', () => {
    const page = t.store.incidents.searchIncidents({
      text: 'denied',
      status: 'fixed',
      projectPath: 'containers/poetry',
      since: '2025-01-01T00:02:00Z',
    });

    expect(page.incidents.map((i) => i.rootCauseKey)).toEqual(['key-2']);
  });

  it('rejects a limit outside 1..1000', () => {
    expect(() => t.store.incidents.searchIncidents({ limit: 0 })).toThrow(RangeError);
    expect(() => t.store.incidents.searchIncidents({ offset: -1 })).toThrow(RangeError);
  });
});
