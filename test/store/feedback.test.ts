import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FeedbackInput } from '../../src/store/index.js';
import { STORE_KINDS, openTestStore, type TestStore } from './open-test-store.js';

describe.each(STORE_KINDS)('feedback (%s)', (kind) => {
  let t: TestStore;

  beforeEach(() => {
    t = openTestStore(kind);
  });

  afterEach(() => {
    t.cleanup();
  });

  function incident(n: number, patternId: string): number {
    return t.store.incidents.upsertIncident({
      rootCauseKey: `key-${n}`,
      patternId,
      verdict: 'v',
      projectId: 1,
      projectPath: 'g/p',
      summary: `incident ${n}`,
      seenAt: '2024-01-01T00:00:00Z',
    }).incident.id;
  }

  function judgement(incidentId: number, userId: number, over: Partial<FeedbackInput> = {}) {
    return {
      incidentId,
      patternId: t.store.incidents.getIncident(incidentId)?.patternId ?? '',
      userId,
      username: `user${userId}`,
      via: 'reaction' as const,
      sourceKey: `award:${userId}`,
      noteRef: 1,
      givenAt: '2024-01-02T00:00:00Z',
      ...over,
    };
  }

  it('keeps one judgement per person and incident; a withdrawn one can stand again', () => {
    const id = incident(1, 'rule-a');

    expect(t.store.feedback.recordFeedback(judgement(id, 7))).toBe('recorded');
    expect(
      t.store.feedback.recordFeedback(judgement(id, 7, { via: 'reply', sourceKey: 'note:9' })),
    ).toBe('repeat');
    const [first] = t.store.feedback.listFeedbackForIncident(id);
    expect(t.store.feedback.withdrawFeedback([first?.id ?? 0])).toBe(1);
    expect(t.store.feedback.withdrawFeedback([first?.id ?? 0])).toBe(0);
    expect(
      t.store.feedback.recordFeedback(judgement(id, 7, { via: 'reply', sourceKey: 'note:9' })),
    ).toBe('renewed');

    expect(t.store.feedback.listFeedbackForIncident(id)).toEqual([
      expect.objectContaining({ userId: 7, via: 'reply', sourceKey: 'note:9', withdrawnAt: null }),
    ]);
  });

  it('ranks the rules people judged wrong most first, then by lower precision', () => {
    const a = [incident(1, 'rule-a'), incident(2, 'rule-a'), incident(3, 'rule-a')];
    const b = incident(4, 'rule-b');
    incident(5, 'rule-c');
    const d = [incident(6, 'rule-d'), incident(7, 'rule-d')];
    for (const user of [1, 2, 3]) t.store.feedback.recordFeedback(judgement(b, user));
    t.store.feedback.recordFeedback(judgement(a[0] ?? 0, 1));
    t.store.feedback.recordFeedback(judgement(a[1] ?? 0, 1));
    t.store.feedback.recordFeedback(judgement(d[0] ?? 0, 1));
    t.store.feedback.recordFeedback(judgement(d[1] ?? 0, 1));
    const withdrawn = t.store.feedback.listFeedbackForIncident(d[1] ?? 0)[0]?.id ?? 0;
    t.store.feedback.withdrawFeedback([withdrawn]);

    expect(
      t.store.feedback
        .ruleJudgements()
        .map((r) => [r.patternId, r.diagnoses, r.judgedWrong, r.judgements, r.precision]),
    ).toEqual([
      ['rule-a', 3, 2, 2, 1 / 3],
      ['rule-b', 1, 1, 3, 0],
      ['rule-d', 2, 1, 1, 0.5],
      ['rule-c', 1, 0, 0, 1],
    ]);
  });

  it('goes with its incident when retention prunes it', () => {
    const id = incident(1, 'rule-a');
    t.store.feedback.recordFeedback(judgement(id, 7));
    t.store.lifecycle.moveIncident(id, 'quiet');
    t.tick(60_000);

    const pruned = t.store.retention.pruneIncidents('2025-02-01T00:00:00Z');

    expect(pruned.incidents).toBe(1);
    expect(t.store.feedback.listFeedbackForIncident(id)).toEqual([]);
    expect(t.store.feedback.ruleJudgements()).toEqual([]);
  });

  it('remembers each answer the bot posted', () => {
    expect(t.store.feedback.wasAnswered('incident:1:user:7')).toBe(false);
    t.store.feedback.markAnswered('incident:1:user:7');
    t.store.feedback.markAnswered('incident:1:user:7');
    expect(t.store.feedback.wasAnswered('incident:1:user:7')).toBe(true);
  });
});
