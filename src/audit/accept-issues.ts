/**
 * Acts on the audit's issues: a 👍 on one, from a Maintainer or Owner of its project who can
 * see every project and group it adds (the rule of the merge-request offer, checked when the
 * bot acts), adds exactly the entries recorded when the issue was opened, to that project's
 * allowlist only, then writes the outcome into the issue and closes it. Any other reaction,
 * or one from anybody else, changes nothing; each is looked at once.
 */
import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabPausedError,
  GitlabRequestError,
  GitlabResponseError,
  GitlabTransientError,
  errorMessage,
} from '../errors.js';
import { MAX_UNANSWERED } from '../fix/allowlist.js';
import { APPROVAL_EMOJI } from '../fix/approvals.js';
import { authorise, type Authorisation } from '../fix/authorise.js';
import type { AwardEmoji, GitlabPort, GitlabUser } from '../gitlab/port.js';
import { code, prose } from '../render/markdown.js';
import { findProject } from '../resolve/common.js';
import type { AuditIssue } from '../store/index.js';
import type { AuditFix } from '../domain/audit.js';
import {
  acceptanceUnderWay,
  closeWithOutcome,
  writesSinceOutcome,
  type FixIssueDeps,
} from './fix-issues.js';

export interface AcceptReport {
  /** Reactions looked at for the first time. */
  approvalsSeen: number;
  refused: number;
  /** Entries added to allowlists. */
  added: number;
  /** Issues accepted (and closed) this time. */
  accepted: number;
}

type EntryResult = {
  fix: AuditFix;
  /**
   * `unanswered`: GitLab's answer never came or could not be read (`sent`: after the write);
   * `unknown`: after the last try, GitLab could not say yet whether the entry is there.
   */
  status: 'added' | 'present' | 'dry-run' | 'failed' | 'unanswered' | 'unknown';
  why?: string;
  sent?: boolean;
  /** Unanswered because a wait GitLab asked for held it back: no try is used up. */
  paused?: boolean;
};

/** Looks at every open audit issue once; returns what it did. */
export async function acceptFixIssues(deps: FixIssueDeps): Promise<AcceptReport> {
  const report: AcceptReport = { approvalsSeen: 0, refused: 0, added: 0, accepted: 0 };
  const open = deps.store.auditIssues.openAuditIssues();
  if (open.length === 0) return report;
  const bot = await deps.gitlab.currentUser();
  for (const issue of open) await acceptOne(deps, bot, issue, report);
  return report;
}

async function acceptOne(
  deps: FixIssueDeps,
  bot: GitlabUser,
  issue: AuditIssue,
  report: AcceptReport,
) {
  const { gitlab, store } = deps;
  const record = store.auditIssues.recordAuditIssueEvent.bind(store.auditIssues, issue.id);
  const events = store.auditIssues.auditIssueEvents(issue.id);
  const accepted = events.find((e) => e.kind === 'outcome' && e.status === 'accepted');
  if (accepted) {
    await closeAccepted(deps, issue, String(accepted.detail.text ?? ''));
    return;
  }
  const lastOutcome = events.filter((e) => e.kind === 'outcome' || e.kind === 'shown').at(-1);
  if (lastOutcome?.kind === 'outcome' && typeof lastOutcome.detail.text === 'string') {
    // A failure recorded but not yet written into the issue (the edit failed).
    await showFailure(deps, issue, lastOutcome.detail.text);
  }
  const underWay = acceptanceUnderWay(events);
  if (underWay) {
    await applyEntries(deps, issue, underWay, report);
    return;
  }
  let awards: AwardEmoji[];
  try {
    if ((await gitlab.getIssue(issue.projectId, issue.iid)).state === 'closed') {
      store.auditIssues.setAuditIssueStatus(issue.id, 'closed');
      record({ kind: 'outcome', status: 'declined', detail: { reason: 'closed in GitLab' } });
      return;
    }
    awards = await gitlab.listIssueAwardEmoji(issue.projectId, issue.iid);
  } catch (error) {
    if (!(error instanceof GitlabNotFoundError)) throw error;
    store.auditIssues.setAuditIssueStatus(issue.id, 'closed');
    record({ kind: 'outcome', status: 'declined', detail: { reason: 'the issue is gone' } });
    return;
  }
  const handled = store.auditIssues.handledApprovals(issue.id);
  const approvals = awards
    .filter(
      (a) => APPROVAL_EMOJI.has(a.name) && a.userId !== bot.id && !handled.has(`award:${a.id}`),
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const award of approvals) {
    report.approvalsSeen += 1;
    const key = `award:${award.id}`;
    const decision =
      Date.parse(award.createdAt) < Date.parse(issue.openedAt)
        ? ({
            ok: false,
            level: 0,
            reason: 'given before the issue was opened',
            answer: '',
          } as const)
        : await authoriseAll(gitlab, bot, issue, award.userId);
    if (!decision.ok) {
      report.refused += 1;
      record({
        kind: 'approval',
        key,
        actor: award.username,
        status: 'refused',
        detail: { reason: decision.reason, level: decision.level },
      });
      deps.logger.info(
        {
          project: issue.projectPath,
          issue: issue.iid,
          user: award.username,
          reason: decision.reason,
        },
        'audit issue approval refused',
      );
      continue;
    }
    record({
      kind: 'approval',
      key,
      actor: award.username,
      status: 'allowed',
      detail: { level: decision.level },
    });
    // Failed writes leave the issue open for a later 👍; anything else ends here.
    if ((await applyEntries(deps, issue, award.username, report)) !== 'failed') return;
  }
}

/**
 * Adds the issue's entries for the person who accepted it, then records the outcome and closes
 * the issue. A write whose answer never came (or came unreadable) leaves the acceptance under
 * way: a later cycle carries it on, and an entry it then finds counts as the bot's. As on a merge
 * request, an entry gets `MAX_UNANSWERED` unanswered tries: after the last, the allowlist is read
 * again, and the entry counts as added if it is there, as not added (the outcome says so on the
 * issue, which stays open for a new 👍) if it is not, or waits while GitLab cannot say.
 */
async function applyEntries(
  deps: FixIssueDeps,
  issue: AuditIssue,
  actor: string,
  report: AcceptReport,
): Promise<'accepted' | 'failed' | 'dry-run' | 'under way'> {
  const { store } = deps;
  const record = store.auditIssues.recordAuditIssueEvent.bind(store.auditIssues, issue.id);
  const events = store.auditIssues.auditIssueEvents(issue.id);
  const writes = events.filter((e) => e.kind === 'write');
  const since = writesSinceOutcome(events);
  const results: EntryResult[] = [];
  const recordResult = (result: EntryResult) =>
    record({
      kind: 'write',
      actor,
      status: result.status,
      detail: {
        entry: result.fix.entry,
        add: result.fix.add,
        id: result.fix.id,
        ...(result.why ? { why: result.why } : {}),
        ...(result.status === 'unanswered' ? { sent: result.sent === true } : {}),
        ...(result.paused ? { paused: true } : {}),
      },
    });
  for (const fix of issue.entries) {
    const same = (w: (typeof writes)[number]) =>
      w.detail.entry === fix.entry && w.detail.id === fix.id;
    const ours = writes.some(
      (w) =>
        same(w) && (w.status === 'added' || (w.status === 'unanswered' && w.detail.sent === true)),
    );
    let tries = since.filter(
      (w) => same(w) && w.status === 'unanswered' && w.detail.paused !== true,
    ).length;
    let result: EntryResult | undefined;
    if (tries < MAX_UNANSWERED) {
      result = await addEntry(deps.gitlab, issue, fix, ours);
      recordResult(result);
      if (result.status === 'unanswered' && !result.paused) tries += 1;
    }
    if (tries >= MAX_UNANSWERED) {
      const sent = ours || result?.sent === true;
      result = await settleEntry(deps.gitlab, issue, fix, sent, tries);
      if (result.status !== 'unknown') recordResult(result);
    }
    if (result) results.push(result);
  }
  report.added += results.filter((r) => r.status === 'added').length;
  if (results.some((r) => r.status === 'unanswered' || r.status === 'unknown')) {
    return 'under way';
  }
  // Dry-run held the writes back: nothing changed, so the issue stays as it is.
  if (results.some((r) => r.status === 'dry-run')) return 'dry-run';
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    // Left open: a later 👍 tries again once the reason is dealt with.
    const text = failureText(actor, results);
    record({
      kind: 'outcome',
      status: 'failed',
      detail: { failed: failed.map((r) => r.fix.add), text },
    });
    await showFailure(deps, issue, text);
    return 'failed';
  }
  const text = outcomeText(actor, results);
  // Recorded before the issue is closed: if that fails, a later cycle closes it (see below).
  record({ kind: 'outcome', status: 'accepted', detail: { by: actor, text } });
  report.accepted += 1;
  await closeAccepted(deps, issue, text);
  return 'accepted';
}

/**
 * Writes the outcome into an accepted issue and closes it, unless GitLab shows it closed already
 * (an answer lost after the edit was made); only then is it no longer looked at.
 */
async function closeAccepted(deps: FixIssueDeps, issue: AuditIssue, text: string): Promise<void> {
  const current = await deps.gitlab.getIssue(issue.projectId, issue.iid);
  if (current.state !== 'closed') await closeWithOutcome(deps.gitlab, issue, text);
  deps.store.auditIssues.setAuditIssueStatus(issue.id, 'accepted');
}

/** Writes a failed outcome above the issue's text, leaving it open; then the trail says so. */
async function showFailure(deps: FixIssueDeps, issue: AuditIssue, text: string): Promise<void> {
  await closeWithOutcome(deps.gitlab, issue, text, false);
  deps.store.auditIssues.recordAuditIssueEvent(issue.id, {
    kind: 'shown',
    status: 'ok',
    detail: {},
  });
}

/**
 * The merge-request offer's rule for each entry: Maintainer or Owner of this project, and able
 * to see the project added, or for a group, the group (asked as `apply group` is, through one
 * of the projects it is added for, which lies in it).
 */
async function authoriseAll(
  gitlab: GitlabPort,
  bot: GitlabUser,
  issue: AuditIssue,
  userId: number,
): Promise<Authorisation> {
  const target = { id: issue.projectId, path: issue.projectPath, webUrl: issue.webUrl };
  let last: Authorisation = { ok: false, level: 0, reason: 'no entries', answer: '' };
  for (const fix of issue.entries) {
    const path = fix.entry === 'project' ? fix.add : fix.covers[0];
    const source = path === undefined ? undefined : await findProject(gitlab, path);
    const moved =
      fix.entry === 'project'
        ? source?.id !== fix.id
        : !source?.pathWithNamespace.toLowerCase().startsWith(`${fix.add.toLowerCase()}/`);
    if (!source || moved) {
      return {
        ok: false,
        level: 0,
        reason: `${path ?? fix.add} is no longer what the issue names`,
        answer: '',
      };
    }
    last = await authorise(
      gitlab,
      bot,
      {
        kind: 'allowlist-add',
        target,
        source: { id: source.id, path: source.pathWithNamespace, webUrl: source.webUrl },
      },
      userId,
      fix.entry === 'group' ? 'apply-group' : 'apply',
      { id: source.id, path: source.pathWithNamespace },
    );
    if (!last.ok) return last;
  }
  return last;
}

/** Whether the issue's project already allows the entry (by id: a group's name is not its path). */
async function onAllowlist(gitlab: GitlabPort, issue: AuditIssue, fix: AuditFix): Promise<boolean> {
  return fix.entry === 'group'
    ? (await gitlab.listJobTokenGroupAllowlist(issue.projectId)).some((g) => g.id === fix.id)
    : (await gitlab.listJobTokenAllowlist(issue.projectId)).some((p) => p.id === fix.id);
}

/**
 * Adds one entry unless it is there already (someone may have added it by hand, or `ours`: the
 * bot's own earlier write, whose answer was lost).
 */
async function addEntry(
  gitlab: GitlabPort,
  issue: AuditIssue,
  fix: AuditFix,
  ours: boolean,
): Promise<EntryResult> {
  const present: EntryResult = { fix, status: ours ? 'added' : 'present' };
  let sent = false;
  try {
    if (await onAllowlist(gitlab, issue, fix)) return present;
    sent = true;
    const answer =
      fix.entry === 'group'
        ? await gitlab.addGroupToJobTokenAllowlist(issue.projectId, fix.id)
        : await gitlab.addProjectToJobTokenAllowlist(issue.projectId, fix.id);
    return { fix, status: answer.made ? 'added' : 'dry-run' };
  } catch (error) {
    // Nothing was sent: a later cycle goes on once the wait is over.
    if (error instanceof GitlabPausedError) {
      return { fix, status: 'unanswered', why: errorMessage(error), sent: ours, paused: true };
    }
    // GitLab may have made it all the same: a later cycle reads the allowlist again.
    if (error instanceof GitlabTransientError || error instanceof GitlabResponseError) {
      return { fix, status: 'unanswered', why: errorMessage(error), sent: sent || ours };
    }
    if (
      error instanceof GitlabRequestError &&
      /already in the job token scope/i.test(error.description)
    ) {
      return present;
    }
    if (
      error instanceof GitlabRequestError ||
      error instanceof GitlabAuthError ||
      error instanceof GitlabNotFoundError
    ) {
      return { fix, status: 'failed', why: errorMessage(error) };
    }
    throw error;
  }
}

/**
 * After an entry's last unanswered try: what the allowlist holds decides. There: the bot's write
 * (`sent`) or someone else's; not there: not added; GitLab cannot say: `unknown`, asked again by a
 * later cycle.
 */
async function settleEntry(
  gitlab: GitlabPort,
  issue: AuditIssue,
  fix: AuditFix,
  sent: boolean,
  tries: number,
): Promise<EntryResult> {
  try {
    if (await onAllowlist(gitlab, issue, fix)) return { fix, status: sent ? 'added' : 'present' };
    return {
      fix,
      status: 'failed',
      why: `GitLab did not answer the bot's ${tries} tries to add it to the allowlist of ${issue.projectPath}.`,
    };
  } catch (error) {
    if (error instanceof GitlabTransientError || error instanceof GitlabResponseError) {
      return { fix, status: 'unknown', why: errorMessage(error) };
    }
    return { fix, status: 'failed', why: errorMessage(error) };
  }
}

function entryLine(r: EntryResult): string {
  const what = `${r.fix.entry} ${code(r.fix.add)}`;
  if (r.status === 'failed') return `- ${what}: ${prose(r.why ?? 'not added')}`;
  return r.status === 'present'
    ? `- ${what}: ${prose('was on the allowlist already')}`
    : `- ${what}: added`;
}

/** The outcome of an acceptance that could not add every entry. */
function failureText(username: string, results: readonly EntryResult[]): string {
  return [
    `**Not applied.** ${code(`@${username}`)} accepted, and the bot could not add every entry to the allowlist of this project:`,
    '',
    ...results.map(entryLine),
    '',
    'A new 👍 from a Maintainer or Owner of this project tries again; the entries can also be added by hand (below).',
  ].join('\n');
}

function outcomeText(username: string, results: readonly EntryResult[]): string {
  return [
    `**Accepted by ${code(`@${username}`)}.** The allowlist of this project now has:`,
    '',
    ...results.map(entryLine),
  ].join('\n');
}
