import type { DailyCount, ProjectCount, TimingSummary } from '../store/index.js';
import { OTHER_COLOUR, horizontalBars, stackedColumns } from './charts.js';
import { formatDuration } from './format.js';
import { html, type SafeHtml } from './html.js';

/** Patterns drawn in their own colour; the rest share "other". */
const MAX_PATTERN_SERIES = 7;

/** Incidents with a failed job that day, stacked by pattern, one column per day. */
export function incidentsPerDayChart(counts: readonly DailyCount[], days: readonly string[]) {
  const totals = new Map<string, number>();
  for (const row of counts) {
    totals.set(row.patternId, (totals.get(row.patternId) ?? 0) + row.incidents);
  }
  const ranked = [...totals]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([patternId]) => patternId);
  const shown =
    ranked.length > MAX_PATTERN_SERIES ? ranked.slice(0, MAX_PATTERN_SERIES - 1) : ranked;
  const hasOther = shown.length < ranked.length;
  const index = new Map(days.map((day, i) => [day, i]));
  const series = [...shown, ...(hasOther ? ['other'] : [])].map((name) => ({
    name,
    values: days.map(() => 0),
    ...(name === 'other' && hasOther ? { colour: OTHER_COLOUR } : {}),
  }));
  for (const row of counts) {
    const column = index.get(row.day);
    if (column === undefined) continue;
    const at = shown.indexOf(row.patternId);
    const target = series[at === -1 ? series.length - 1 : at];
    if (target) target.values[column] = (target.values[column] ?? 0) + row.incidents;
  }
  return stackedColumns({
    id: 'chart-per-day',
    title: `Incidents per day by pattern, last ${days.length} days`,
    description: `A stacked column per UTC day from ${days[0] ?? ''} to ${days.at(-1) ?? ''}: the incidents that had a failed job that day, coloured by pattern.`,
    categories: days,
    categoryLabel: (day) => day.slice(5),
    series,
    xTitle: 'Day (UTC)',
    yTitle: 'Incidents',
    unit: ['incident', 'incidents'],
    empty: `No failed jobs in the last ${days.length} days.`,
  });
}

/** The projects with the most failed jobs. */
export function topProjectsChart(projects: readonly ProjectCount[], days: number): SafeHtml {
  return horizontalBars({
    id: 'chart-projects',
    title: `Top failing projects, last ${days} days`,
    description: 'Horizontal bars: failed jobs diagnosed per project, most first.',
    rows: projects.map((p) => ({ label: p.projectPath, values: [p.failedJobs] })),
    series: [{ name: 'failed jobs' }],
    xTitle: 'Failed jobs',
    format: (value) => String(Math.round(value * 100) / 100),
    empty: `No failed jobs in the last ${days} days.`,
  });
}

function tickUnit(maxSeconds: number): number {
  if (maxSeconds >= 2 * 86_400) return 86_400;
  if (maxSeconds >= 2 * 3_600) return 3_600;
  if (maxSeconds >= 120) return 60;
  return 1;
}

/** Median time from the failure to the note and from the note to the fix, per pattern. */
export function timeToFixChart(summary: TimingSummary, days: number): SafeHtml {
  const headline = html`<div class="headline">
    <span
      >Failure → note: <b>${formatDuration(summary.toNote.seconds)}</b>
      <span class="muted">median of ${summary.toNote.count}</span></span
    >
    <span
      >Note → fix: <b>${formatDuration(summary.noteToFix.seconds)}</b>
      <span class="muted">median of ${summary.noteToFix.count}</span></span
    >
  </div>`;
  if (summary.toNote.count === 0) {
    return html`${headline}
      <p class="muted no-timing">
        No incident of the last ${days} days has reached a note yet, so there is no time to show.
      </p>`;
  }
  const rows = summary.byPattern
    .filter((p) => p.toNote.count > 0)
    .map((p) => ({ label: p.patternId, values: [p.toNote.seconds, p.noteToFix.seconds] }));
  const max = Math.max(0, ...rows.flatMap((r) => r.values.map((v) => v ?? 0)));
  const chart = horizontalBars({
    id: 'chart-time-to-fix',
    title: `Median time to note and to fix by pattern, last ${days} days`,
    description:
      'Two bars per pattern: the median time from the first failed job to the note, and from the note to the fix.',
    rows,
    series: [{ name: 'failure → note' }, { name: 'note → fix' }],
    xTitle: 'Median time',
    format: formatDuration,
    tickUnit: tickUnit(max),
    empty: 'No data.',
  });
  const noFix =
    summary.noteToFix.count === 0
      ? html`<p class="muted no-timing">
          No fix recorded yet: the note → fix time appears once one is.
        </p>`
      : html``;
  return html`${headline}${noFix}${chart}`;
}
