import { factText } from '../domain/diagnosis.js';
import type { Action, Feedback, Incident, Note, Occurrence } from '../store/index.js';
import { formatTime, plural } from './format.js';
import { externalLink, html, safeHref, type HtmlValue, type SafeHtml } from './html.js';
import { renderPage } from './layout.js';

/** One incident with its jobs, notes and audit trail. */
export interface IncidentView {
  incident: Incident;
  occurrences: Occurrence[];
  notes: Note[];
  actions: Action[];
  /** People's judgements that its diagnosis was wrong, withdrawn ones too. */
  feedback?: Feedback[];
  gitlabUrl?: string;
  now: Date;
}

/** Who judged the diagnosis wrong, how and when; withdrawn judgements are left out. */
function judgedWrongBy(feedback: readonly Feedback[]): HtmlValue {
  const standing = feedback.filter((f) => f.withdrawnAt === null);
  if (standing.length === 0) return 'nobody';
  return standing.map(
    (f, i) =>
      html`${i > 0 ? ', ' : ''}<span class="judged" data-user="${f.username}"
          >${f.username} (${f.via === 'reaction' ? '👎' : 'reply'}, ${formatTime(f.givenAt)}
          UTC)</span
        >`,
  );
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A field of the stored diagnosis, read defensively: the JSON is only as good as its writer. */
function diagnosisField(incident: Incident, ...path: string[]): unknown {
  let current: unknown = incident.diagnosis;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function projectLink(path: string, webUrl: unknown, gitlabUrl: string | undefined): SafeHtml {
  const url =
    text(webUrl) ??
    (gitlabUrl
      ? `${gitlabUrl.replace(/\/+$/, '')}/${path.split('/').map(encodeURIComponent).join('/')}`
      : undefined);
  return externalLink(url, path);
}

function facts(view: IncidentView): SafeHtml {
  const { incident: i, gitlabUrl } = view;
  const confidence = text(diagnosisField(i, 'confidence'));
  const rows: [string, HtmlValue][] = [
    ['Status', html`<span class="badge status-${i.status}">${i.status}</span>`],
    ['Verdict', i.verdict],
    ['Confidence', confidence ?? 'not recorded'],
    ['Pattern', i.patternId],
    ['Project', projectLink(i.projectPath, diagnosisField(i, 'project', 'webUrl'), gitlabUrl)],
    [
      'Owner of the resource',
      i.targetProjectPath
        ? projectLink(i.targetProjectPath, diagnosisField(i, 'target', 'webUrl'), gitlabUrl)
        : 'none found',
    ],
    ['First seen', `${formatTime(i.firstSeenAt)} UTC`],
    ['Last seen', `${formatTime(i.lastSeenAt)} UTC`],
    ['Failed jobs', String(i.occurrences)],
    ['Root cause', html`<code>${i.rootCauseKey}</code>`],
    ['Judged wrong by', judgedWrongBy(view.feedback ?? [])],
  ];
  return html`<dl class="facts">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

function evidence(incident: Incident): SafeHtml {
  const e = incident.evidence;
  if (!e) return html`<p class="muted">No log line was kept.</p>`;
  const who = e.runnerPrefix
    ? 'written by the runner, before the job’s script started'
    : 'printed while the job’s script ran (the script could have printed anything)';
  return html`<p class="muted">
      Line ${e.lineNumber}${e.section ? html`, section <code>${e.section}</code>` : ''}, ${who}.
    </p>
    <pre class="evidence" id="evidence">${e.line}</pre>`;
}

function fields(incident: Incident): SafeHtml {
  const entries = Object.entries(incident.fields);
  if (entries.length === 0) return html``;
  return html`<h2>Fields from the log</h2>
    <dl class="facts">
      ${entries.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd><code>${v}</code></dd>`,
      )}
    </dl>`;
}

function checks(incident: Incident): SafeHtml {
  if (incident.checks.length === 0) {
    return html`<p class="muted">Nothing was checked with GitLab for this pattern.</p>`;
  }
  return html`<table class="checks">
    <thead>
      <tr>
        <th scope="col">Check</th>
        <th scope="col">Result</th>
        <th scope="col">What was found</th>
        <th scope="col">When (UTC)</th>
      </tr>
    </thead>
    <tbody>
      ${incident.checks.map(
        (c) =>
          html`<tr>
            <td><code>${c.check}</code></td>
            <td>
              <span
                class="badge result-${['pass', 'fail'].includes(c.result) ? c.result : 'unknown'}"
                >${c.result}</span
              >
            </td>
            <td>${factText(c.detail)}</td>
            <td class="nowrap">${formatTime(c.at)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function jobs(occurrences: readonly Occurrence[]): SafeHtml {
  if (occurrences.length === 0) return html`<p class="muted">No failed job is recorded.</p>`;
  return html`<table class="jobs">
    <thead>
      <tr>
        <th scope="col">Failed (UTC)</th>
        <th scope="col">Job</th>
        <th scope="col">Pipeline</th>
        <th scope="col">Ref</th>
        <th scope="col">Commit</th>
        <th scope="col">Merge request</th>
      </tr>
    </thead>
    <tbody>
      ${occurrences.map(
        (o) =>
          html`<tr>
            <td class="nowrap">${formatTime(o.failedAt)}</td>
            <td>${externalLink(o.jobUrl, `${o.jobName} #${o.jobId}`)}</td>
            <td>${externalLink(o.pipelineUrl, `#${o.pipelineId}`)}</td>
            <td><code>${o.ref}</code></td>
            <td><code>${o.sha.slice(0, 8)}</code></td>
            <td>${o.mrIid === null ? html`<span class="muted">none</span>` : `!${o.mrIid}`}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function notes(list: readonly Note[]): SafeHtml {
  if (list.length === 0) {
    return html`<p class="muted">The bot has not commented on this incident.</p>`;
  }
  return html`<table class="notes">
    <thead>
      <tr>
        <th scope="col">On</th>
        <th scope="col">Note</th>
        <th scope="col">Posted (UTC)</th>
        <th scope="col">Last edited (UTC)</th>
      </tr>
    </thead>
    <tbody>
      ${list.map(
        (n) =>
          html`<tr>
            <td>
              ${n.targetKind === 'merge_request' ? `merge request !${n.targetKey}` : html`commit <code>${n.targetKey.slice(0, 8)}</code>`}
            </td>
            <td>${externalLink(n.url, `note ${n.noteId}`)}</td>
            <td class="nowrap">${formatTime(n.createdAt)}</td>
            <td class="nowrap">${formatTime(n.updatedAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function detailValue(value: unknown): HtmlValue {
  if (typeof value === 'string') {
    return safeHref(value) ? externalLink(value, value) : factText(value);
  }
  return JSON.stringify(value) ?? String(value);
}

function actions(list: readonly Action[]): SafeHtml {
  if (list.length === 0) return html`<p class="muted">No action recorded.</p>`;
  return html`<table class="actions">
    <thead>
      <tr>
        <th scope="col">When (UTC)</th>
        <th scope="col">Action</th>
        <th scope="col">Status</th>
        <th scope="col">By</th>
        <th scope="col">Detail</th>
      </tr>
    </thead>
    <tbody>
      ${list.map(
        (a) =>
          html`<tr data-kind="${a.kind}">
            <td class="nowrap">${formatTime(a.createdAt)}</td>
            <td><code>${a.kind}</code></td>
            <td>${a.status}</td>
            <td>${a.actor ?? html`<span class="muted">the bot</span>`}</td>
            <td>
              ${Object.entries(a.detail).map(([k, v]) => html`<div><span class="muted">${k}:</span> ${detailValue(v)}</div>`)}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** One incident: what was seen, what was checked, where the bot said so, and what followed. */
export function renderIncidentPage(view: IncidentView): string {
  const { incident } = view;
  const body = html`<p><a href="/">← all incidents</a></p>
    <h1>Incident #${incident.id}: ${incident.summary}</h1>
    ${facts(view)}
    <h2>Evidence</h2>
    ${evidence(incident)} ${fields(incident)}
    <h2>What was checked</h2>
    ${checks(incident)}
    <h2>Failed jobs <span class="muted">(${plural(view.occurrences.length, 'job')})</span></h2>
    ${jobs(view.occurrences)}
    <h2>Notes the bot posted</h2>
    ${notes(view.notes)}
    <h2>Action trail</h2>
    ${actions(view.actions)}`;
  return renderPage({
    title: `Incident #${incident.id}`,
    body,
    now: view.now,
    ...(view.gitlabUrl ? { gitlabUrl: view.gitlabUrl } : {}),
  });
}
