import { parseDuration } from './duration.js';
import { DEFAULT_RETENTION } from './schema.js';

/** Where a prune cuts: incidents quiet since `before`, kept writes older than `auditBefore`. */
export interface RetentionCutoffs {
  /** The incident retention as set (or its default), e.g. `90d`. */
  olderThan: string;
  before: Date;
  /** Absent when DIAGNOSER_AUDIT_RETENTION is not set: the record of writes is kept for good. */
  auditBefore?: Date;
}

/**
 * The retention rule from the settings, the same for the nightly prune of `run` and for
 * `incidents prune` (whose --older-than stands in for `retention`).
 */
export function retentionCutoffs(
  settings: { retention?: string | undefined; auditRetention?: string | undefined },
  now: Date,
): RetentionCutoffs {
  const olderThan = settings.retention ?? DEFAULT_RETENTION;
  const before = new Date(now.getTime() - parseDuration(olderThan));
  if (settings.auditRetention === undefined) return { olderThan, before };
  const auditBefore = new Date(now.getTime() - parseDuration(settings.auditRetention));
  return { olderThan, before, auditBefore };
}
