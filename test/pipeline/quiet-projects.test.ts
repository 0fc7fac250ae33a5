import { describe, expect, it } from 'vitest';
import { createQuietPacing } from '../../src/pipeline/discover/quiet-projects.js';

/** The cycles a project is polled in; it fails at the first poll from `failFrom` on. */
function schedule(maxSkip: number, projectId: number, cycles: number, failFrom = Infinity) {
  const pacing = createQuietPacing(maxSkip);
  const polled: number[] = [];
  let failed = false;
  for (let cycle = 1; cycle <= cycles; cycle++) {
    pacing.nextCycle();
    if (!pacing.isDue(projectId)) continue;
    polled.push(cycle);
    const fails = !failed && cycle >= failFrom;
    if (fails) failed = true;
    pacing.record(projectId, fails ? 1 : 0);
  }
  return polled;
}

describe('quiet-project pacing', () => {
  it('polls a quiet project less and less often, never more than maxSkip cycles apart', () => {
    const polled = schedule(3, 7, 40);

    const gaps = polled.slice(1).map((c, i) => c - (polled[i] as number));
    expect(polled.slice(0, 2)).toEqual([1, 2]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(4);
    expect(gaps.at(-1)).toBe(4);
  });

  it('polls every cycle again after a failure', () => {
    const polled = schedule(3, 7, 40, 20);
    const failedAt = polled.find((c) => c >= 20) as number;

    expect(polled.filter((c) => c > failedAt).slice(0, 2)).toEqual([failedAt + 1, failedAt + 2]);
  });

  it('never skips with maxSkip 0', () => {
    expect(schedule(0, 3, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('spreads quiet projects over cycles by id', () => {
    const pacing = createQuietPacing(3);
    for (let id = 0; id < 400; id++) for (let i = 0; i < 10; i++) pacing.record(id, 0);
    pacing.nextCycle();

    const due = Array.from({ length: 400 }, (_, id) => id).filter((id) => pacing.isDue(id));

    expect(due.length).toBe(100);
  });
});
