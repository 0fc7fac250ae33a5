import type {
  DailyCount,
  FilterValues,
  Incident,
  IncidentPage,
  ProjectCount,
  TimingSummary,
} from '../store/index.js';
import { INCIDENT_STATUSES } from '../domain/lifecycle.js';
import { incidentsPerDayChart, timeToFixChart, topProjectsChart } from './dashboard-charts.js';
import { formatTime } from './format.js';
import { html, type SafeHtml } from './html.js';
import { renderPage } from './layout.js';
import { PAGE_SIZE, listHref, type ListQuery } from './list-query.js';

/** Everything the incident list shows; gathered from the store by the route. */
export interface IncidentListView {
  query: ListQuery;
  problems: string[];
  page: IncidentPage;
  filterValues: FilterValues;
  charts: {
    /** The days drawn, oldest first (`YYYY-MM-DD`). */
    days: string[];
    daily: DailyCount[];
    projects: ProjectCount[];
    timings: TimingSummary;
  };
  gitlabUrl?: string;
  now: Date;
}

function options(values: readonly string[], selected: string | undefined): SafeHtml[] {
  return values.map(
    (value) =>
      html`<option value="${value}" ${value === selected ? html` selected` : ''}>${value}</option>`,
  );
}

function select(name: string, label: string, values: readonly string[], selected?: string) {
  // A value no longer in the log (from an old link) stays selectable, so the form shows it.
  const all = selected && !values.includes(selected) ? [selected, ...values] : values;
  return html`<label
    >${label}
    <select name="${name}">
      <option value="">any</option>
      ${options(all, selected)}
    </select>
  </label>`;
}

function filters(view: IncidentListView): SafeHtml {
  const { query, filterValues } = view;
  return html`<form class="filters" method="get" action="/" role="search">
    <label
      >Search
      <input
        type="search"
        name="q"
        value="${query.q ?? ''}"
        placeholder="summary, project or pattern"
      />
    </label>
    <label
      >Since
      <input
        type="text"
        name="since"
        value="${query.since ?? ''}"
        placeholder="7d or 2025-05-01"
        size="15"
      />
    </label>
    ${select('pattern', 'Pattern', filterValues.patterns, query.pattern)}
    ${select('verdict', 'Verdict', filterValues.verdicts, query.verdict)}
    ${select('status', 'Status', INCIDENT_STATUSES, query.status)}
    ${select('project', 'Project', filterValues.projects, query.project)}
    <button type="submit">Filter</button>
    <a href="/">Reset</a>
  </form>`;
}

function row(incident: Incident): SafeHtml {
  const href = `/incidents/${incident.id}`;
  const project = incident.targetProjectPath
    ? html`${incident.projectPath} → ${incident.targetProjectPath}`
    : html`${incident.projectPath}`;
  return html`<tr data-incident="${incident.id}">
    <td><a href="${href}" title="${incident.summary}">#${incident.id}</a></td>
    <td class="nowrap">${formatTime(incident.lastSeenAt)}</td>
    <td><span class="badge status-${incident.status}">${incident.status}</span></td>
    <td><a href="${href}">${incident.patternId}</a></td>
    <td>${incident.verdict}</td>
    <td>${project}</td>
    <td class="num">${incident.occurrences}</td>
  </tr>`;
}

function table(view: IncidentListView): SafeHtml {
  const { page, query } = view;
  if (page.incidents.length === 0) {
    const filtered = listHref(query, { page: 1 }) !== '/';
    return html`<p class="muted" id="no-incidents">
      ${filtered ? 'No incident matches these filters.' : 'No incidents recorded yet.'}
    </p>`;
  }
  const first = (query.page - 1) * PAGE_SIZE + 1;
  const last = first + page.incidents.length - 1;
  const previous =
    query.page > 1
      ? html`<a href="${listHref(query, { page: query.page - 1 })}" rel="prev">← newer</a>`
      : '';
  const next =
    last < page.total
      ? html`<a href="${listHref(query, { page: query.page + 1 })}" rel="next">older →</a>`
      : '';
  return html`<table class="incidents">
      <thead>
        <tr>
          <th scope="col">Id</th>
          <th scope="col">Last seen (UTC)</th>
          <th scope="col">Status</th>
          <th scope="col">Pattern</th>
          <th scope="col">Verdict</th>
          <th scope="col">Project → target</th>
          <th scope="col" class="num">Jobs</th>
        </tr>
      </thead>
      <tbody>
        ${page.incidents.map(row)}
      </tbody>
    </table>
    <div class="pager">
      <span class="muted" id="showing">${first}–${last} of ${page.total}</span>${previous}${next}
    </div>`;
}

/** The front page: charts, filters and the incident table. */
export function renderIncidentListPage(view: IncidentListView): string {
  const { charts } = view;
  const days = charts.days.length;
  const problems =
    view.problems.length > 0
      ? html`<p class="notice">${view.problems.join(' ')} That filter was left out.</p>`
      : '';
  const body = html`<h1>Incidents</h1>
    <section class="charts" aria-label="Charts">
      <div class="card wide">
        <h2>Incidents per day</h2>
        <p class="muted">
          Incidents with a failed job that day, by pattern (all incidents, not only the filtered
          ones).
        </p>
        ${incidentsPerDayChart(charts.daily, charts.days)}
      </div>
      <div class="card">
        <h2>Top failing projects</h2>
        <p class="muted">Failed jobs diagnosed in the last ${days} days.</p>
        ${topProjectsChart(charts.projects, days)}
      </div>
      <div class="card">
        <h2>Time to fix</h2>
        <p class="muted">Medians over the incidents of the last ${days} days.</p>
        ${timeToFixChart(charts.timings, days)}
      </div>
    </section>
    ${filters(view)} ${problems} ${table(view)}`;
  return renderPage({
    title: 'Incidents',
    path: '/',
    body,
    now: view.now,
    ...(view.gitlabUrl ? { gitlabUrl: view.gitlabUrl } : {}),
  });
}
