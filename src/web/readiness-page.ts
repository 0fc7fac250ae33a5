/**
 * The job token readiness page: the latest audit by target project, what breaks there once
 * the allowlist is enforced (18.0), and the entries that fix it. Pure: the route reads the
 * report from the store.
 */
import { breaksAtEnforcement, findingsByTarget, type TargetFindings } from '../audit/entries.js';
import type { AuditFinding, AuditReport, AuditState } from '../domain/audit.js';
import { formatTime, plural } from './format.js';
import { html, type SafeHtml } from './html.js';
import { renderPage } from './layout.js';

export interface ReadinessView {
  /** Undefined before the first audit. */
  report?: AuditReport;
  now: Date;
  gitlabUrl?: string;
}

const STATE_TEXT: Record<AuditState, string> = {
  denied: 'refused now',
  'denied-at-enforcement': 'breaks at 18.0',
  unknown: 'unknown',
  allowed: 'allowed',
};

function count(findings: readonly AuditFinding[], state: AuditState): number {
  return findings.filter((f) => f.state === state).length;
}

function findingRow(f: AuditFinding): SafeHtml {
  return html`<tr data-state="${f.state}">
    <td>${f.source}</td>
    <td>${f.kind}</td>
    <td class="nowrap"><span class="badge state-${f.state}">${STATE_TEXT[f.state]}</span></td>
    <td>
      ${f.reason}${f.via.length > 0 ? html`<br /><span class="muted">${f.via.join('; ')}</span>` : ''}
    </td>
    <td class="nowrap">${formatTime(f.lastUsed)}</td>
  </tr>`;
}

function entryItem(fix: TargetFindings['entries'][number]): SafeHtml {
  const what = fix.entry === 'group' ? html`group <b>${fix.add}</b>` : html`<b>${fix.add}</b>`;
  const covers = fix.entry === 'group' ? html` (for ${fix.covers.join(', ')})` : '';
  return html`<li>add ${what}${covers}: <code>${fix.call}</code></li>`;
}

function targetSection(group: TargetFindings): SafeHtml {
  const breaking = group.breaking;
  const entries =
    group.entries.length > 0
      ? html`<p>Entries to add to its CI/CD job token allowlist:</p>
          <ul class="entries">
            ${group.entries.map(entryItem)}
          </ul>`
      : '';
  return html`<section class="card target" data-target="${group.target}">
    <h2>
      ${group.target}
      <span class="muted"
        >· ${breaking > 0 ? plural(breaking, 'use') + ' break at 18.0' : 'ready'}</span
      >
    </h2>
    <table class="findings">
      <thead>
        <tr>
          <th scope="col">Source project</th>
          <th scope="col">Kind</th>
          <th scope="col">State</th>
          <th scope="col">Why</th>
          <th scope="col">Last used (UTC)</th>
        </tr>
      </thead>
      <tbody>
        ${group.findings.map(findingRow)}
      </tbody>
    </table>
    ${entries}
  </section>`;
}

function headline(report: AuditReport): SafeHtml {
  const { findings } = report;
  const breaking = findings.filter(breaksAtEnforcement).length;
  return html`<div class="headline" id="readiness-headline">
    <span><b>${breaking}</b> break at 18.0</span>
    <span><b>${count(findings, 'denied')}</b> refused now</span>
    <span><b>${count(findings, 'denied-at-enforcement')}</b> work only until enforcement</span>
    <span><b>${count(findings, 'unknown')}</b> unknown</span>
    <span><b>${count(findings, 'allowed')}</b> allowed</span>
  </div>`;
}

export function renderReadinessPage(view: ReadinessView): string {
  const { report } = view;
  const body = report
    ? html`<h1>Job token readiness</h1>
        <p class="muted">
          From GitLab 18.0 every project's CI/CD job token allowlist is enforced: a job that reaches
          another project without an entry there fails. Audit of
          ${plural(report.projects, 'project')} at ${formatTime(report.at)}
          UTC${report.gitlabVersion ? ` on GitLab ${report.gitlabVersion}` : ''}
          (${plural(report.requests, 'request')} to GitLab).
        </p>
        ${headline(report)}
        ${
          report.findings.length === 0
            ? html`<p class="muted" id="no-findings">
                No job of the audited projects reaches another project with its job token.
              </p>`
            : findingsByTarget(report.findings).map(targetSection)
        }
        ${
          report.problems.length > 0
            ? html`<h2>Problems</h2>
                <ul id="audit-problems">
                  ${report.problems.map((p) => html`<li><b>${p.where}</b>: ${p.message}</li>`)}
                </ul>`
            : ''
        }`
    : html`<h1>Job token readiness</h1>
        <p class="muted" id="no-audit">
          No audit yet. <code>pipeline-diagnoser audit</code> runs one now; <code>run</code>
          refreshes it on the audit schedule.
        </p>`;
  return renderPage({
    title: 'Job token readiness',
    path: '/readiness',
    body,
    now: view.now,
    ...(view.gitlabUrl ? { gitlabUrl: view.gitlabUrl } : {}),
  });
}
