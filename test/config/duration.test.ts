import { describe, expect, it } from 'vitest';
import { isDuration, parseDuration } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it.each([
    ['24h', 24 * 3_600_000],
    ['30m', 30 * 60_000],
    ['7d', 7 * 86_400_000],
    ['45s', 45_000],
    ['2w', 14 * 86_400_000],
    ['1h30m', 90 * 60_000],
    [' 5m ', 300_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '24', 'h', '1 day', '24H', '1.5h', '-1h', '10y', '5 m'])(
    'rejects %j with the fix',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/is not a duration: write a number and a unit/);
      expect(isDuration(text)).toBe(false);
    },
  );
});
