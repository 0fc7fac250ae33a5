import { describe, expect, it } from 'vitest';
import {
  INCIDENT_STATUSES,
  TRANSITIONS,
  failureEvent,
  nextStatus,
  type LifecycleEvent,
} from '../../src/domain/lifecycle.js';

const EVENTS = Object.keys(TRANSITIONS) as LifecycleEvent[];

describe('incident lifecycle table', () => {
  it.each([
    ['open', 'fixed-by-bot', 'fixed'],
    ['open', 'fixed-by-hand', 'fixed'],
    ['fixed', 'recurred', 'open'],
    ['fixed', 'reverted', 'open'],
    ['open', 'merge-requests-ended', 'closed'],
    ['fixed', 'quiet', 'closed'],
    ['open', 'lost-access', 'error'],
    ['closed', 'reopened', 'open'],
    ['error', 'reopened', 'open'],
    ['error', 'quiet', 'closed'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    expect(nextStatus(from, event)).toBe(to);
  });

  it.each([
    ['closed', 'fixed-by-bot'],
    ['closed', 'lost-access'],
    ['open', 'recurred'],
    ['open', 'reopened'],
    ['fixed', 'fixed-by-hand'],
    ['error', 'merge-requests-ended'],
  ] as const)('ignores %s --%s--> (nothing changes)', (from, event) => {
    expect(nextStatus(from, event)).toBeUndefined();
  });

  it('reaches every status, and leaves every status by some event', () => {
    const reached = new Set(EVENTS.map((e) => TRANSITIONS[e].to));
    const left = new Set(EVENTS.flatMap((e) => TRANSITIONS[e].from));
    for (const status of INCIDENT_STATUSES) {
      if (status !== 'open') expect(reached.has(status)).toBe(true);
      expect(left.has(status)).toBe(true);
    }
  });

  it('a new failure means recurred after a fix, reopened after an end, nothing while open', () => {
    expect(INCIDENT_STATUSES.map((s) => [s, failureEvent(s)])).toEqual([
      ['open', undefined],
      ['fixed', 'recurred'],
      ['closed', 'reopened'],
      ['error', 'reopened'],
    ]);
  });
});
