/**
 * Pure formatting for `incidents` reports: CSV, statistics and prune summaries. The command
 * reads the store and writes; everything here is data in, text out.
 */
import {
  summarizeTimings,
  type DailyCount,
  type Incident,
  type IncidentCount,
  type IncidentTiming,
  type PruneResult,
} from '../store/index.js';
import { formatDuration } from '../web/format.js';

// ----------------------------------------------------------------------------- CSV

/** Leading characters that make a spreadsheet read a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 cell. Text that a spreadsheet would run as a formula gets a leading `'`;
 * cells with a comma, quote or line break are quoted, quotes doubled.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 says. */
export function csvRow(cells: readonly (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export const INCIDENT_CSV_HEADER = [
  'id',
  'first_seen',
  'last_seen',
  'status',
  'pattern',
  'verdict',
  'project',
  'target_project',
  'occurrences',
  'summary',
  'root_cause_key',
] as const;

/** An incident as a CSV record, in INCIDENT_CSV_HEADER order. */
export function incidentCsvRow(i: Incident): string {
  return csvRow([
    i.id,
    i.firstSeenAt,
    i.lastSeenAt,
    i.status,
    i.patternId,
    i.verdict,
    i.projectPath,
    i.targetProjectPath,
    i.occurrences,
    i.summary,
    i.rootCauseKey,
  ]);
}

/** A whole CSV document: the header row, then one record per incident. */
export function incidentsToCsv(incidents: readonly Incident[]): string {
  return csvRow(INCIDENT_CSV_HEADER) + incidents.map(incidentCsvRow).join('');
}

// ----------------------------------------------------------------------------- stats

export interface CountLine {
  incidents: number;
  failedJobs: number;
}

export interface DayStats extends CountLine {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  /** Incidents with a failed job that day, by pattern. */
  byPattern: Record<string, number>;
  byVerdict: Record<string, number>;
}

/** A median time in seconds (null without data) and how many incidents it was taken over. */
export interface MedianLine {
  medianSeconds: number | null;
  incidents: number;
}

/** What `incidents stats` prints (and `--json` writes as one object). */
export interface IncidentStats extends CountLine {
  /** The start of the window (ISO), or null for all time. */
  since: string | null;
  byPattern: (CountLine & { patternId: string })[];
  byVerdict: (CountLine & { verdict: string })[];
  byStatus: (CountLine & { status: string })[];
  perDay: DayStats[];
  /** From the first failed job to the first note showing the incident. */
  timeToNote: MedianLine;
  /** From that note to the fix (a fix action, or status fixed). */
  noteToFix: MedianLine;
}

function addTo<K extends string>(
  map: Map<string, CountLine & Record<K, string>>,
  key: K,
  value: string,
  row: CountLine,
): void {
  const line =
    map.get(value) ??
    ({ [key]: value, incidents: 0, failedJobs: 0 } as CountLine & Record<K, string>);
  line.incidents += row.incidents;
  line.failedJobs += row.failedJobs;
  map.set(value, line);
}

function ranked<T extends CountLine>(map: Map<string, T>): T[] {
  return [...map.entries()]
    .sort((a, b) => b[1].incidents - a[1].incidents || a[0].localeCompare(b[0]))
    .map(([, line]) => line);
}

/** Builds the statistics from the store's counts (pure). */
export function buildStats(input: {
  since: string | null;
  counts: readonly IncidentCount[];
  daily: readonly DailyCount[];
  timings: readonly IncidentTiming[];
}): IncidentStats {
  const byPattern = new Map<string, CountLine & { patternId: string }>();
  const byVerdict = new Map<string, CountLine & { verdict: string }>();
  const byStatus = new Map<string, CountLine & { status: string }>();
  let incidents = 0;
  let failedJobs = 0;
  for (const row of input.counts) {
    incidents += row.incidents;
    failedJobs += row.failedJobs;
    addTo(byPattern, 'patternId', row.patternId, row);
    addTo(byVerdict, 'verdict', row.verdict, row);
    addTo(byStatus, 'status', row.status, row);
  }
  const days = new Map<string, DayStats>();
  for (const row of input.daily) {
    const day = days.get(row.day) ?? {
      day: row.day,
      incidents: 0,
      failedJobs: 0,
      byPattern: {},
      byVerdict: {},
    };
    // An incident has one pattern and one verdict, so these sums count each once.
    day.incidents += row.incidents;
    day.failedJobs += row.failedJobs;
    day.byPattern[row.patternId] = (day.byPattern[row.patternId] ?? 0) + row.incidents;
    day.byVerdict[row.verdict] = (day.byVerdict[row.verdict] ?? 0) + row.incidents;
    days.set(row.day, day);
  }
  const timing = summarizeTimings(input.timings);
  return {
    since: input.since,
    incidents,
    failedJobs,
    byPattern: ranked(byPattern),
    byVerdict: ranked(byVerdict),
    byStatus: ranked(byStatus),
    perDay: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
    timeToNote: { medianSeconds: timing.toNote.seconds ?? null, incidents: timing.toNote.count },
    noteToFix: {
      medianSeconds: timing.noteToFix.seconds ?? null,
      incidents: timing.noteToFix.count,
    },
  };
}

/** Left-aligned text columns and right-aligned number columns, two spaces apart. */
export function textTable(header: readonly string[], rows: readonly (string | number)[][]): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const numeric = header.map(
    (_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'),
  );
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, c) => {
          const width = widths[c] ?? 0;
          return numeric[c] ? cell.padStart(width) : cell.padEnd(width);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function medianText(line: MedianLine, none: string): string {
  return line.medianSeconds === null
    ? none
    : `median ${formatDuration(line.medianSeconds)} (over ${line.incidents} incident${line.incidents === 1 ? '' : 's'})`;
}

function topOf(record: Record<string, number>, max = 3): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = entries.slice(0, max).map(([k, v]) => `${k} ${v}`);
  return entries.length > max ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** The statistics as tables for a terminal. */
export function formatStats(stats: IncidentStats): string {
  const window = stats.since
    ? `since ${stats.since.slice(0, 16).replace('T', ' ')} UTC`
    : 'all time';
  if (stats.incidents === 0) return `No incidents ${window}.\n`;
  const out = [
    `${stats.incidents} incident${stats.incidents === 1 ? '' : 's'}, ${stats.failedJobs} failed job${stats.failedJobs === 1 ? '' : 's'} (${window}; incidents last seen in the window)`,
    '',
    textTable(
      ['pattern', 'incidents', 'failed jobs'],
      stats.byPattern.map((p) => [p.patternId, p.incidents, p.failedJobs]),
    ),
    '',
    textTable(
      ['verdict', 'incidents', 'failed jobs'],
      stats.byVerdict.map((v) => [v.verdict, v.incidents, v.failedJobs]),
    ),
    '',
    textTable(
      ['status', 'incidents', 'failed jobs'],
      stats.byStatus.map((s) => [s.status, s.incidents, s.failedJobs]),
    ),
  ];
  if (stats.perDay.length > 0) {
    out.push(
      '',
      'Per day (UTC; incidents with a failed job that day):',
      textTable(
        ['day', 'incidents', 'failed jobs', 'patterns', 'verdicts'],
        stats.perDay.map((d) => [
          d.day,
          d.incidents,
          d.failedJobs,
          topOf(d.byPattern),
          topOf(d.byVerdict),
        ]),
      ),
    );
  }
  out.push(
    '',
    `Failure → first note: ${medianText(stats.timeToNote, 'no incident has reached a note yet')}`,
    `Note → fix:           ${medianText(stats.noteToFix, 'no fix recorded yet')}`,
  );
  return `${out.join('\n')}\n`;
}

// ----------------------------------------------------------------------------- prune

export interface PruneReport {
  result: PruneResult;
  dryRun: boolean;
  /** As the user gave it, e.g. `90d`. */
  olderThan: string;
  /** The cut-off (ISO). */
  before: string;
  /** DIAGNOSER_AUDIT_RETENTION as set; absent: the record of writes is kept for good. */
  auditRetention?: string;
  vacuum?: { bytesBefore: number | undefined; bytesAfter: number | undefined };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a prune removed, or would remove, in words. */
export function formatPruneReport(report: PruneReport): string {
  const { result: r } = report;
  const cutoff = report.before.slice(0, 16).replace('T', ' ');
  const verb = report.dryRun ? 'Would remove' : 'Removed';
  const lines = [
    r.incidents === 0
      ? `No closed or fixed incident is older than ${report.olderThan} (no activity since ${cutoff} UTC).`
      : `${verb} ${count(r.incidents, 'closed or fixed incident')} older than ${report.olderThan} (no activity since ${cutoff} UTC), with ${count(r.occurrences, 'failed job')} and ${count(r.actions, 'action')}; ${count(r.notesDeleted, 'note record')} forgotten, ${count(r.notesUpdated, 'note record')} updated.`,
    `Open and error incidents are kept, and so is the record of the writes the bot made to GitLab (${count(r.writesKept, 'action')} kept from the removed incidents); ${count(r.queuedJobs, 'finished queued job')} removed.`,
    report.auditRetention
      ? `Audit retention ${report.auditRetention}: ${report.dryRun ? 'would remove' : 'removed'} ${count(r.auditRemoved, 'recorded write')} older than that.`
      : 'The record of writes is kept for good (DIAGNOSER_AUDIT_RETENTION is not set).',
  ];
  if (report.dryRun) lines.push('Dry run: nothing was changed.');
  if (report.vacuum) {
    const { bytesBefore, bytesAfter } = report.vacuum;
    lines.push(
      bytesBefore !== undefined && bytesAfter !== undefined
        ? `Vacuumed: ${bytes(bytesBefore)} → ${bytes(bytesAfter)} on disk.`
        : 'Vacuumed.',
    );
  }
  return `${lines.join('\n')}\n`;
}

// ----------------------------------------------------------------------------- progress

export interface Progress {
  update(text: string): void;
  /** Removes the progress line (before the results are printed). */
  clear(): void;
}

/** A one-line progress display, or nothing when `enabled` is false (output is not a terminal). */
export function createProgress(stream: NodeJS.WritableStream, enabled: boolean): Progress {
  let shown = false;
  return {
    update(text) {
      if (!enabled) return;
      stream.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    clear() {
      if (!enabled || !shown) return;
      stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
