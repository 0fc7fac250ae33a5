import { STATUS_ACTION } from '../domain/lifecycle.js';
import type { StoreContext } from './context.js';
import type { IncidentStatus } from './incidents.js';
import { toIso, type Timestamp } from './time.js';

/** Incidents of one pattern, verdict and status, and the failed jobs they counted. */
export interface IncidentCount {
  patternId: string;
  verdict: string;
  status: IncidentStatus;
  incidents: number;
  failedJobs: number;
}

/** One UTC day of one pattern and verdict: incidents with a failed job that day, and those jobs. */
export interface DailyCount {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  patternId: string;
  verdict: string;
  incidents: number;
  failedJobs: number;
}

/** A failing project (the one whose jobs failed) and how often. */
export interface ProjectCount {
  projectPath: string;
  incidents: number;
  failedJobs: number;
}

/** When an incident first failed, first reached a note, and was fixed. */
export interface IncidentTiming {
  incidentId: number;
  patternId: string;
  verdict: string;
  status: IncidentStatus;
  /** The earliest failed job (or the first sighting when no job is recorded). */
  failedAt: string;
  /** The first `note-created` or `note-edited` action: when it first showed in a note. */
  notedAt: string | null;
  /**
   * The first action that records a fix (see FIX_ACTION_KINDS and below), else the last
   * update of an incident whose status is `fixed`.
   */
  fixedAt: string | null;
}

/** The distinct values the filters can take. */
export interface FilterValues {
  patterns: string[];
  verdicts: string[];
  /** Failing and target projects. */
  projects: string[];
}

export interface StatsRepository {
  /** Incidents last seen at or after `since` (default: all), by pattern, verdict and status. */
  incidentCounts(since?: Timestamp): IncidentCount[];
  /** Per UTC day from the failed jobs at or after `since` (default: all), oldest first. */
  dailyCounts(since?: Timestamp): DailyCount[];
  /** The projects with the most failed jobs at or after `since`, most first. */
  topProjects(since: Timestamp, limit: number): ProjectCount[];
  /** One row per incident last seen at or after `since` (default: all), oldest id first. */
  timings(since?: Timestamp): IncidentTiming[];
  filterValues(): FilterValues;
}

/** Actions that put an incident in a note (it may join a note posted for another one). */
export const NOTE_ACTION_KINDS: readonly string[] = ['note-created', 'note-edited'];
/** Actions that record a fix whatever their status (kept for fixes recorded by other tools). */
export const FIX_ACTION_KINDS: readonly string[] = ['fix-applied', 'fixed-by-hand'];
/**
 * Outcome actions (`fix-outcome` of the one-click flow, and a status change of the
 * lifecycle) whose status means "fixed".
 */
export const FIX_OUTCOME_KINDS: readonly string[] = ['fix-outcome', 'outcome', STATUS_ACTION];
export const FIX_OUTCOME_STATUSES: readonly string[] = [
  'fixed',
  'fixed-by-hand',
  'ok',
  'success',
  'passed',
];
/**
 * The one-click write: an `api-write` adding the entry, answered 2xx, or `ok` when the answer
 * was lost and the allowlist, read again, showed the entry (not `dry-run`).
 */
export const FIX_WRITE_KIND = 'api-write';

interface TimingRow {
  id: number;
  pattern_id: string;
  verdict: string;
  status: IncidentStatus;
  status_since: string | null;
  failed_at: string;
  noted_at: string | null;
  fix_action_at: string | null;
}

function sqlList(values: readonly string[]): string {
  return values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ');
}

// '' sorts before every ISO time, so it means "since the beginning".
function sinceParam(since: Timestamp | undefined): string {
  return since === undefined ? '' : toIso(since);
}

export function createStatsRepository({ db }: StoreContext): StatsRepository {
  const counts = db.prepare<{ since: string }, IncidentCount>(
    `SELECT pattern_id AS patternId, verdict, status, count(*) AS incidents,
       coalesce(sum((SELECT count(*) FROM occurrences o
                     WHERE o.incident_id = i.id AND o.failed_at >= @since)), 0) AS failedJobs
     FROM incidents i
     WHERE last_seen_at >= @since
     GROUP BY pattern_id, verdict, status
     ORDER BY incidents DESC, patternId, verdict, status`,
  );
  const daily = db.prepare<{ since: string }, DailyCount>(
    `SELECT substr(o.failed_at, 1, 10) AS day, i.pattern_id AS patternId, i.verdict,
       count(DISTINCT o.incident_id) AS incidents, count(*) AS failedJobs
     FROM occurrences o JOIN incidents i ON i.id = o.incident_id
     WHERE o.failed_at >= @since
     GROUP BY day, i.pattern_id, i.verdict
     ORDER BY day, patternId, verdict`,
  );
  const projects = db.prepare<{ since: string; limit: number }, ProjectCount>(
    `SELECT i.project_path AS projectPath, count(DISTINCT i.id) AS incidents,
       count(*) AS failedJobs
     FROM occurrences o JOIN incidents i ON i.id = o.incident_id
     WHERE o.failed_at >= @since
     GROUP BY i.project_path
     ORDER BY failedJobs DESC, incidents DESC, projectPath
     LIMIT @limit`,
  );
  const timingRows = db.prepare<{ since: string }, TimingRow>(
    `SELECT i.id, i.pattern_id, i.verdict, i.status, coalesce(i.status_since, i.updated_at) AS status_since,
       coalesce((SELECT min(o.failed_at) FROM occurrences o WHERE o.incident_id = i.id),
                i.first_seen_at) AS failed_at,
       (SELECT min(a.created_at) FROM actions a
        WHERE a.incident_id = i.id AND a.kind IN (${sqlList(NOTE_ACTION_KINDS)})
          AND a.status = 'ok') AS noted_at,
       (SELECT min(a.created_at) FROM actions a
        WHERE a.incident_id = i.id
          AND (a.kind IN (${sqlList(FIX_ACTION_KINDS)})
               OR (a.kind IN (${sqlList(FIX_OUTCOME_KINDS)})
                   AND a.status IN (${sqlList(FIX_OUTCOME_STATUSES)}))
               OR (a.kind = ${sqlList([FIX_WRITE_KIND])}
                   AND json_extract(a.detail, '$.op') = 'add'
                   AND (a.status GLOB '2[0-9][0-9]' OR a.status = 'ok')))
       ) AS fix_action_at
     FROM incidents i
     WHERE i.last_seen_at >= @since
     ORDER BY i.id`,
  );
  const patterns = db
    .prepare<[], string>('SELECT DISTINCT pattern_id FROM incidents ORDER BY 1')
    .pluck();
  const verdicts = db
    .prepare<[], string>('SELECT DISTINCT verdict FROM incidents ORDER BY 1')
    .pluck();
  const projectPaths = db
    .prepare<[], string>(
      `SELECT project_path FROM incidents
       UNION SELECT target_project_path FROM incidents WHERE target_project_path IS NOT NULL
       ORDER BY 1`,
    )
    .pluck();

  return {
    incidentCounts(since) {
      return counts.all({ since: sinceParam(since) });
    },
    dailyCounts(since) {
      return daily.all({ since: sinceParam(since) });
    },
    topProjects(since, limit) {
      if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError(`limit must be a whole number of 1 or more, got ${limit}`);
      }
      return projects.all({ since: sinceParam(since), limit });
    },
    timings(since) {
      return timingRows.all({ since: sinceParam(since) }).map((row) => ({
        incidentId: row.id,
        patternId: row.pattern_id,
        verdict: row.verdict,
        status: row.status,
        failedAt: row.failed_at,
        notedAt: row.noted_at,
        fixedAt: row.fix_action_at ?? (row.status === 'fixed' ? row.status_since : null),
      }));
    },
    filterValues() {
      return {
        patterns: patterns.all(),
        verdicts: verdicts.all(),
        projects: projectPaths.all(),
      };
    },
  };
}

/** A median and how many values it was taken from. */
export interface MedianOf {
  /** Seconds; undefined when there are no values. */
  seconds: number | undefined;
  count: number;
}

export interface TimingSummary {
  /** From the first failed job to the first note showing the incident. */
  toNote: MedianOf;
  /** From that note to the fix. */
  noteToFix: MedianOf;
  /** The same per pattern, patterns with a note first. */
  byPattern: { patternId: string; toNote: MedianOf; noteToFix: MedianOf }[];
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

function secondsBetween(from: string, to: string): number {
  // GitLab's clock stamps the failure and the bot's clock the note: a small skew can
  // put the note "before" the failure, which means "at once", not a negative time.
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}

function medianOf(values: number[]): MedianOf {
  return { seconds: median(values), count: values.length };
}

/** Medians of failure → note and note → fix, overall and per pattern (pure). */
export function summarizeTimings(rows: readonly IncidentTiming[]): TimingSummary {
  const toNote: number[] = [];
  const noteToFix: number[] = [];
  const perPattern = new Map<string, { toNote: number[]; noteToFix: number[] }>();
  for (const row of rows) {
    const entry = perPattern.get(row.patternId) ?? { toNote: [], noteToFix: [] };
    perPattern.set(row.patternId, entry);
    if (row.notedAt === null) continue;
    const noted = secondsBetween(row.failedAt, row.notedAt);
    toNote.push(noted);
    entry.toNote.push(noted);
    if (row.fixedAt === null) continue;
    const fixed = secondsBetween(row.notedAt, row.fixedAt);
    noteToFix.push(fixed);
    entry.noteToFix.push(fixed);
  }
  const byPattern = [...perPattern]
    .map(([patternId, values]) => ({
      patternId,
      toNote: medianOf(values.toNote),
      noteToFix: medianOf(values.noteToFix),
    }))
    .sort((a, b) => b.toNote.count - a.toNote.count || a.patternId.localeCompare(b.patternId));
  return { toNote: medianOf(toNote), noteToFix: medianOf(noteToFix), byPattern };
}
