const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  w: 7 * 24 * 60 * 60 * 1000,
};

const DURATION = /^(?:\d+[smhdw])+$/;
const PART = /(?<amount>\d+)(?<unit>[smhdw])/g;

/** The units a duration may use, for messages. */
export const DURATION_UNITS = 's, m, h, d or w';

function durationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    return undefined;
  }
  let total = 0;
  for (const match of trimmed.matchAll(PART)) {
    const { amount, unit } = match.groups ?? {};
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Whether `text` is a duration such as `24h`, `30m`, `7d` or `1h30m`. */
export function isDuration(text: string): boolean {
  return durationMs(text) !== undefined;
}

/**
 * Converts a duration such as `24h`, `30m`, `7d`, `2w` or `1h30m` to milliseconds.
 *
 * @example parseDuration('24h') // 86_400_000
 * @throws RangeError when `text` is not a duration
 */
export function parseDuration(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) {
    throw new RangeError(
      `"${text}" is not a duration: write a number and a unit (${DURATION_UNITS}), e.g. 24h, 30m or 7d`,
    );
  }
  return ms;
}
