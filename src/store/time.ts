/** Where the store reads "now"; tests and the simulator pass their own. */
export type Clock = () => Date;

/** A point in time: a Date, or an ISO-8601 string with a zone (`Z` or `+02:00`). */
export type Timestamp = Date | string;

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Normalises a time to `toISOString()` form (UTC, milliseconds), so that the
 * text columns sort and compare in time order.
 */
export function toIso(value: Timestamp): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new RangeError('Invalid Date given to the store');
    }
    return value.toISOString();
  }
  // A zone-less string would be read as local time, which differs per host.
  if (!ISO_WITH_ZONE.test(value)) {
    throw new RangeError(
      `"${value}" is not an ISO-8601 time with a zone, e.g. 2024-05-01T10:00:00Z`,
    );
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new RangeError(`"${value}" is not a valid time`);
  }
  return date.toISOString();
}
