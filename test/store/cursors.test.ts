import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORE_KINDS, openTestStore, type TestStore } from './open-test-store.js';

describe.each(STORE_KINDS)('cursors (%s)', (kind) => {
  let t: TestStore;

  beforeEach(() => {
    t = openTestStore(kind);
  });

  afterEach(() => {
    t.cleanup();
  });

  it('has no cursor for a project never read', () => {
    expect(t.store.cursors.getCursor(1)).toBeUndefined();
  });

  it('moves forward', () => {
    t.store.cursors.setCursor(1, 100);

    const stored = t.store.cursors.setCursor(1, 250);

    expect(stored).toBe(250);
    expect(t.store.cursors.getCursor(1)).toBe(250);
  });

  it('never moves backwards', () => {
    t.store.cursors.setCursor(1, 250);

    const stored = t.store.cursors.setCursor(1, 100);

    expect(stored).toBe(250);
    expect(t.store.cursors.getCursor(1)).toBe(250);
  });

  it('keeps one cursor per project', () => {
    t.store.cursors.setCursor(1, 10);
    t.store.cursors.setCursor(2, 20);

    expect([t.store.cursors.getCursor(1), t.store.cursors.getCursor(2)]).toEqual([10, 20]);
  });

  it('handles job ids beyond 32 bits', () => {
    t.store.cursors.setCursor(1, 9_876_543_210);

    expect(t.store.cursors.getCursor(1)).toBe(9_876_543_210);
  });
});
