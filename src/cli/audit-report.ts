/** The audit report as a table, JSON or CSV. Pure. */
import { findingsByTarget } from '../audit/entries.js';
import type { FixIssueOutcome } from '../audit/fix-issues.js';
import type { AuditReport } from '../domain/audit.js';
import { csvRow, textTable } from './incidents-report.js';

const CSV_HEADER = [
  'source',
  'target',
  'kind',
  'state',
  'reason',
  'fix_entry',
  'fix_add',
  'fix_call',
  'last_used',
  'via',
] as const;

export function auditToCsv(report: AuditReport): string {
  return (
    csvRow(CSV_HEADER) +
    report.findings
      .map((f) =>
        csvRow([
          f.source,
          f.target,
          f.kind,
          f.state,
          f.reason,
          f.fix?.entry,
          f.fix?.add,
          f.fix?.call,
          f.lastUsed,
          f.via.join('; '),
        ]),
      )
      .join('')
  );
}

/** `{"findings": [{source, target, kind, state, fix, …}], "problems": […], …}`. */
export function auditToJson(report: AuditReport, issues?: readonly FixIssueOutcome[]): string {
  const findings = report.findings.map((f) => ({
    source: f.source,
    target: f.target,
    kind: f.kind,
    state: f.state,
    fix: f.fix ?? null,
    reason: f.reason,
    via: f.via,
    lastUsed: f.lastUsed ?? null,
  }));
  return `${JSON.stringify(
    {
      at: report.at,
      gitlabVersion: report.gitlabVersion ?? null,
      projects: report.projects,
      requests: report.requests,
      findings,
      problems: report.problems,
      ...(issues ? { issues } : {}),
    },
    null,
    2,
  )}\n`;
}

/** The entries to add, one line per distinct entry and target. */
export function entriesToAdd(report: AuditReport): string[] {
  return findingsByTarget(report.findings).flatMap(({ target, entries }) =>
    entries.map((fix) => {
      const what = fix.entry === 'group' ? `group ${fix.add}` : fix.add;
      const covers = fix.entry === 'group' ? ` (for ${fix.covers.join(', ')})` : '';
      return `  ${target}: add ${what}${covers}\n      ${fix.call}`;
    }),
  );
}

/** For a terminal: what breaks now and at enforcement, the entries that fix it, the problems. */
export function formatAuditReport(report: AuditReport, options: { all?: boolean } = {}): string {
  const shown = options.all
    ? report.findings
    : report.findings.filter((f) => f.state !== 'allowed');
  const allowed = report.findings.filter((f) => f.state === 'allowed').length;
  const out = [
    `Job token readiness of ${report.projects} project(s)${report.gitlabVersion ? ` on GitLab ${report.gitlabVersion}` : ''}: ${report.requests} request(s) to GitLab.`,
  ];
  const broken = report.findings.filter((f) => f.state === 'denied').length;
  const later = report.findings.filter((f) => f.state === 'denied-at-enforcement').length;
  out.push(
    `${broken} refused now, ${later} refused once the allowlist is enforced (18.0), ${allowed} allowed${options.all ? '' : ' (--all lists them)'}.`,
  );
  if (shown.length > 0) {
    out.push(
      '',
      textTable(
        ['STATE', 'SOURCE', 'TARGET', 'KIND', 'WHY'],
        shown.map((f) => [f.state, f.source, f.target, f.kind, f.reason]),
      ),
    );
  }
  const entries = entriesToAdd(report);
  if (entries.length > 0) {
    out.push('', 'Entries to add (in the target project’s CI/CD job token allowlist):', ...entries);
  }
  if (report.problems.length > 0) {
    out.push('', 'Problems:', ...report.problems.map((p) => `  ${p.where}: ${p.message}`));
  }
  return `${out.join('\n')}\n`;
}

const ISSUE_WORDS: Record<FixIssueOutcome['status'], string> = {
  opened: 'opened',
  open: 'still open, with the same entries',
  declined: 'closed without accepting the same entries; not opened again',
  'dry-run': 'would be opened (dry-run)',
};

/** What `--open-issues` did, one line per target project. */
export function formatIssueOutcomes(outcomes: readonly FixIssueOutcome[]): string {
  if (outcomes.length === 0) return '\nNo target project needs entries: no issue opened.\n';
  const lines = outcomes.map(
    (o) =>
      `  ${o.target}: ${ISSUE_WORDS[o.status]} (${o.entries} ${o.entries === 1 ? 'entry' : 'entries'})${o.webUrl ? ` ${o.webUrl}` : ''}`,
  );
  return `\nIssues in the target projects (a Maintainer there accepts with a 👍):\n${lines.join('\n')}\n`;
}
