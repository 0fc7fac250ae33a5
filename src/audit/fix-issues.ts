/**
 * Carries the audit's entries to the people who can add them: one issue in each target
 * project, listing what its allowlist lacks and why, which a Maintainer there accepts with a
 * 👍 (see accept-issues.ts). The entries offered are kept in the store: an approval applies
 * those, whatever the issue's text says by then.
 */
import { GitlabAuthError, GitlabNotFoundError, errorMessage } from '../errors.js';
import type { GitlabPort } from '../gitlab/port.js';
import type { Logger } from '../log.js';
import { code, link, neutraliseQuickActions, prose } from '../render/markdown.js';
import type { AuditIssue, AuditIssueEvent, Store } from '../store/index.js';
import type { AuditFix, AuditProblem, AuditReport } from '../domain/audit.js';
import { findingsByTarget, type TargetFindings } from './entries.js';

export interface FixIssueDeps {
  gitlab: GitlabPort;
  store: Store;
  logger: Logger;
}

export interface FixIssueOutcome {
  target: string;
  /** `opened`: a new issue; `open`: the same entries are offered there already; `declined`: a person closed the issue offering them. */
  status: 'opened' | 'open' | 'declined' | 'dry-run';
  entries: number;
  webUrl?: string;
}

const STATE_WORDS: Record<string, string> = {
  denied: 'refused now',
  'denied-at-enforcement': 'breaks once the allowlist is enforced (18.0)',
};

/** Entries are the same offer when they add the same projects and groups. */
export function sameEntries(a: readonly AuditFix[], b: readonly AuditFix[]): boolean {
  const key = (list: readonly AuditFix[]) =>
    list
      .map((e) => `${e.entry}:${e.id}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

function entryLine(fix: AuditFix, index: number): string {
  const what = fix.entry === 'group' ? `group ${code(fix.add)}` : `project ${code(fix.add)}`;
  const covers =
    fix.entry === 'group' ? ` (for ${fix.covers.map((path) => code(path)).join(', ')})` : '';
  return `${index + 1}. ${what}${covers}`;
}

/** The issue's text. Paths and what the CI files say are values: code spans, never markup. */
export function fixIssueText(group: TargetFindings): { title: string; description: string } {
  const n = group.entries.length;
  const rows = group.findings
    .filter((f) => STATE_WORDS[f.state] !== undefined)
    .map(
      (f) =>
        `| ${code(f.source)} | ${code(f.kind)} | ${prose(STATE_WORDS[f.state] ?? f.state)} | ${f.via.map((v) => code(v)).join('<br>')} |`,
    );
  const description = [
    `CI/CD jobs of other projects reach ${code(group.target)} with their job token, and its job token allowlist does not let them in. From GitLab 18.0 the allowlist is enforced for every project, and these jobs fail.`,
    '',
    '| Project | Reaches it for | State | Where |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `**Entries to add to the CI/CD job token allowlist of this project:**`,
    '',
    ...group.entries.map(entryLine),
    '',
    `**To accept, a Maintainer or Owner of this project reacts to this issue with 👍.** The bot then adds exactly ${n === 1 ? 'this entry' : `these ${n} entries`} to the allowlist of this project, nothing else and nowhere else, and closes the issue. As in GitLab, whoever accepts must be able to see each project and group added. Closing the issue declines.`,
    '',
    'By hand: **Settings → CI/CD → Job token permissions**, or through the API:',
    '',
    ...group.entries.map((fix) => `- ${code(fix.call, 500)}`),
  ].join('\n');
  return {
    title: `Job token allowlist: ${n === 1 ? '1 entry' : `${n} entries`} to add before GitLab 18.0`,
    description: neutraliseQuickActions(description),
  };
}

/** The writes of the acceptance under way or last made: those after the last outcome. */
export function writesSinceOutcome(events: readonly AuditIssueEvent[]): AuditIssueEvent[] {
  const after = events.map((e) => e.kind).lastIndexOf('outcome') + 1;
  return events.slice(after).filter((e) => e.kind === 'write');
}

/**
 * Who accepted an issue whose writes are under way (one of them went unanswered, whatever came
 * after it, and no outcome came after them): a later cycle carries them on. Undefined otherwise.
 */
export function acceptanceUnderWay(events: readonly AuditIssueEvent[]): string | undefined {
  const writes = writesSinceOutcome(events);
  return writes.some((w) => w.status === 'unanswered') ? writes.at(-1)?.actor : undefined;
}

/**
 * Writes what became of the offer above the issue's text, unless it is there already (an answer
 * lost after the edit was made), and closes the issue (`close`, the default) or leaves it open.
 */
export async function closeWithOutcome(
  gitlab: GitlabPort,
  issue: Pick<AuditIssue, 'projectId' | 'iid'>,
  outcome: string,
  close = true,
): Promise<void> {
  const { description } = await gitlab.getIssue(issue.projectId, issue.iid);
  if (!close && description.startsWith(neutraliseQuickActions(outcome))) return;
  await gitlab.editIssue(issue.projectId, issue.iid, {
    description: neutraliseQuickActions(`${outcome}\n\n---\n\n${description}`),
    ...(close ? { close: true } : {}),
  });
}

/** Opens (or keeps) one issue per target project that needs entries. */
export async function openFixIssues(
  deps: FixIssueDeps,
  report: AuditReport,
): Promise<{ outcomes: FixIssueOutcome[]; problems: AuditProblem[] }> {
  const outcomes: FixIssueOutcome[] = [];
  const problems: AuditProblem[] = [];
  for (const group of findingsByTarget(report.findings)) {
    if (group.entries.length === 0 || group.targetId === undefined) continue;
    try {
      outcomes.push(await offer(deps, group, group.targetId));
    } catch (error) {
      if (!(error instanceof GitlabAuthError || error instanceof GitlabNotFoundError)) throw error;
      problems.push({
        where: group.target,
        message: `The issue listing the entries could not be opened: ${errorMessage(error)}`,
      });
    }
  }
  return { outcomes, problems };
}

async function offer(
  deps: FixIssueDeps,
  group: TargetFindings,
  targetId: number,
): Promise<FixIssueOutcome> {
  const { gitlab, store } = deps;
  const base = { target: group.target, entries: group.entries.length };
  const latest = store.auditIssues.latestAuditIssue(targetId);
  if (latest && sameEntries(latest.entries, group.entries)) {
    if (latest.status === 'open') return { ...base, status: 'open', webUrl: latest.webUrl };
    if (latest.status === 'closed') return { ...base, status: 'declined', webUrl: latest.webUrl };
  }
  // Accepted, and some of its entries made already: it is finished, not replaced.
  if (
    latest?.status === 'open' &&
    acceptanceUnderWay(store.auditIssues.auditIssueEvents(latest.id))
  ) {
    return { ...base, status: 'open', webUrl: latest.webUrl };
  }
  const text = fixIssueText(group);
  // An issue opened before whose answer was lost (a timeout, a cut connection, an unreadable
  // body) is the one to record: opening it again would offer the same entries twice.
  const { id: botId } = await gitlab.currentUser();
  const lost = (await gitlab.listOpenIssuesBy(targetId, botId)).find(
    (i) => i.iid !== latest?.iid && i.title === text.title && i.description === text.description,
  );
  const issue =
    lost ??
    (await gitlab.createIssue(targetId, {
      title: text.title,
      description: text.description,
    }));
  // GitLab numbers issues from 1: anything else is dry-run's stand-in, and nothing was opened.
  if (issue.iid <= 0) return { ...base, status: 'dry-run' };
  store.auditIssues.recordAuditIssue({
    projectId: targetId,
    projectPath: group.target,
    iid: issue.iid,
    webUrl: issue.webUrl,
    entries: group.entries,
    openedAt: issue.createdAt,
  });
  if (latest?.status === 'open') {
    // The newer offer replaces it: approvals of the old entries must not apply them.
    store.auditIssues.setAuditIssueStatus(latest.id, 'superseded');
    await closeWithOutcome(
      gitlab,
      latest,
      `Replaced by ${link(`#${issue.iid}`, issue.webUrl)}, which lists the entries the latest audit found; a 👍 here applies nothing.`,
    );
  }
  deps.logger.info(
    { project: group.target, issue: issue.iid, entries: group.entries.length },
    'audit issue opened',
  );
  return { ...base, status: 'opened', webUrl: issue.webUrl };
}
