import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/domain/audit.js';
import { openTestStore, type TestStore } from './open-test-store.js';

let t: TestStore;

beforeEach(() => {
  t = openTestStore('memory');
});

afterEach(() => {
  t.cleanup();
});

function report(at: string, states: AuditReport['findings'][number]['state'][]): AuditReport {
  return {
    at,
    gitlabVersion: '17.10.0',
    projects: 3,
    requests: 42,
    problems: [{ where: 'apps/broken', message: 'cannot be read' }],
    findings: states.map((state, i) => ({
      source: `apps/p${i}`,
      sourceId: 10 + i,
      target: 'tools/images',
      targetId: 5,
      kind: 'image',
      state,
      reason: 'not on the allowlist',
      via: ['job build: image r/tools/images/node:20'],
      ...(state === 'denied'
        ? {
            fix: {
              entry: 'project' as const,
              add: `apps/p${i}`,
              id: 10 + i,
              call: `POST /api/v4/projects/5/job_token_scope/allowlist target_project_id=${10 + i}`,
              covers: [`apps/p${i}`],
            },
          }
        : {}),
    })),
  };
}

describe('audit reports', () => {
  it('keeps the newest report as it was, and counts its findings by state', () => {
    t.store.audit.saveAuditReport(report('2025-01-01T00:00:00.000Z', ['allowed']));
    const newest = report('2025-01-02T00:00:00.000Z', [
      'denied',
      'denied',
      'denied-at-enforcement',
    ]);
    t.store.audit.saveAuditReport(newest);

    expect(t.store.audit.latestAuditReport()).toEqual(newest);
    expect(t.store.audit.auditStateCounts()).toEqual([
      { state: 'denied', findings: 2 },
      { state: 'denied-at-enforcement', findings: 1 },
    ]);
  });

  it('has nothing before the first audit', () => {
    expect(t.store.audit.latestAuditReport()).toBeUndefined();
    expect(t.store.audit.auditStateCounts()).toEqual([]);
  });
});

describe('sessions', () => {
  it('are valid until they expire or are ended', () => {
    const expiresAt = new Date(Date.parse('2025-01-01T01:00:00Z')).toISOString();
    t.store.sessions.createSession('a', { kind: 'gitlab', userId: 1, username: 'root', expiresAt });
    t.store.sessions.createSession('b', { kind: 'token', expiresAt });

    const before = t.store.sessions.activeSession('a');
    const ended = t.store.sessions.endSession('b');
    const afterEnd = t.store.sessions.activeSession('b');
    t.tick(60 * 60_000);
    const expired = t.store.sessions.activeSession('a');

    expect(before).toMatchObject({ kind: 'gitlab', username: 'root' });
    expect(ended).toBe(true);
    expect(afterEnd).toBeUndefined();
    expect(expired).toBeUndefined();
  });

  it('can all be ended at once', () => {
    const expiresAt = '2025-01-02T00:00:00.000Z';
    for (const id of ['a', 'b', 'c']) {
      t.store.sessions.createSession(id, { kind: 'local', expiresAt });
    }

    expect(t.store.sessions.endAllSessions()).toBe(3);
    expect(t.store.sessions.listActiveSessions()).toEqual([]);
  });

  it('give a sign-in attempt back once, and not when it is too old', () => {
    t.store.sessions.saveSignInAttempt('s1', 'verifier-1');
    t.store.sessions.saveSignInAttempt('s2', 'verifier-2');
    t.tick(11 * 60_000);
    const since = new Date(Date.parse('2025-01-01T00:05:00Z'));

    expect(t.store.sessions.takeSignInAttempt('s1', '2025-01-01T00:00:00Z')).toBe('verifier-1');
    expect(t.store.sessions.takeSignInAttempt('s1', '2025-01-01T00:00:00Z')).toBeUndefined();
    expect(t.store.sessions.takeSignInAttempt('s2', since)).toBeUndefined();
  });

  it('keep a GitLab sign-in and a local link apart, and end sessions left idle', () => {
    t.store.sessions.saveSignInAttempt('state', 'verifier', 'gitlab');
    t.store.sessions.createSession('s', { kind: 'local', expiresAt: '2025-01-08T00:00:00.000Z' });
    t.tick(60_000);
    t.store.sessions.touchSession('s');
    t.tick(60_000);

    expect(
      t.store.sessions.takeSignInAttempt('state', '2025-01-01T00:00:00Z', 'local'),
    ).toBeUndefined();
    expect(t.store.sessions.activeSession('s', '2025-01-01T00:00:30Z')).toMatchObject({
      lastSeenAt: '2025-01-01T00:01:00.000Z',
    });
    expect(t.store.sessions.activeSession('s', '2025-01-01T00:01:30Z')).toBeUndefined();
    expect(t.store.sessions.listActiveSessions('2025-01-01T00:01:30Z')).toEqual([]);
  });
});
