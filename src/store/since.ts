import { toIso } from './time.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const AGE = /^(?<amount>\d+)(?<unit>[mhdw])$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Reads a "since" as people type it: an age (`30m`, `24h`, `7d`, `2w`, counted back from
 * `now`), a UTC day (`2025-05-01`), or an ISO time with a zone. Returns the ISO time.
 *
 * @throws RangeError naming the accepted forms
 */
export function parseSince(text: string, now: Date): string {
  const value = text.trim();
  const age = AGE.exec(value)?.groups;
  if (age) {
    const ms = Number(age.amount) * (UNIT_MS[age.unit ?? ''] ?? Number.NaN);
    const at = new Date(now.getTime() - ms);
    if (!Number.isNaN(at.getTime())) return at.toISOString();
  }
  if (DATE_ONLY.test(value)) return toIso(`${value}T00:00:00Z`);
  try {
    return toIso(value);
  } catch {
    throw new RangeError(
      `"${value.slice(0, 40)}" is not a time: write an age (7d, 24h), a day (2025-05-01) or an ISO time (2025-05-01T10:00:00Z)`,
    );
  }
}
