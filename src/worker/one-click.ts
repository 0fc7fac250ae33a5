import type { Diagnosis, Fix } from '../domain/diagnosis.js';
import { GitlabTransientError, errorMessage } from '../errors.js';
import { addToAllowlist, removeFromAllowlist, type WriteResult } from '../fix/allowlist.js';
import { readApprovals, type Approval } from '../fix/approvals.js';
import { ACTION, fixStateOf, hasOneClickFix, isFinal, retriedJobs } from '../fix/state.js';
import type { GitlabUser } from '../gitlab/port.js';
import { code } from '../render/markdown.js';
import type { Incident, Note as StoredNote } from '../store/index.js';
import { refreshNotes } from './notes.js';
import type { WorkerDeps } from './process-job.js';

const GUEST = 10;
const MAINTAINER = 40;

type AllowlistFix = Extract<Fix, { kind: 'allowlist-add' }>;

export interface OneClickReport {
  approvalsSeen: number;
  applied: number;
  refused: number;
  retried: number;
}

/**
 * The one-click flow, run once per cycle: read reactions and replies on the
 * bot's notes with open offers (only notes younger than `maxAgeMs`: bounded
 * work), act on authorised approvals, retry the jobs a fix unblocks, watch
 * them, and keep every affected note up to date. Everything is in the audit
 * trail, which is also what makes it safe to resume after a crash.
 */
export async function runOneClick(
  deps: WorkerDeps,
  bot: GitlabUser,
  maxAgeMs: number,
): Promise<OneClickReport> {
  const report: OneClickReport = { approvalsSeen: 0, applied: 0, refused: 0, retried: 0 };
  const since = new Date(deps.now().getTime() - maxAgeMs);
  const changed = new Set<number>();
  const notes = deps.store.notes.listNotesUpdatedSince(since);

  for (const note of notes) {
    const incidents = note.incidentIds
      .map((id) => deps.store.incidents.getIncident(id))
      .filter((i): i is Incident => i !== undefined && hasOneClickFix(diagnosisOf(i)));
    if (incidents.length === 0) continue;
    const approvals = await readApprovals(deps.gitlab, note, bot);
    const handled = handledKeys(deps, incidents);
    for (const approval of approvals.sort((a, b) => a.at.localeCompare(b.at))) {
      if (handled.has(approval.key)) continue;
      report.approvalsSeen += 1;
      await handleApproval(deps, bot, note, approval, incidents, report, changed);
    }
  }

  // Work a crash or an outage may have left half done, and retried jobs to watch.
  for (const incident of incidentsWithRecentWrites(deps, since)) {
    if (await continueAfterWrite(deps, incident, report)) changed.add(incident.id);
  }
  if (changed.size > 0) await refreshNotes(deps, changed, bot);
  return report;
}

function diagnosisOf(incident: Incident): Diagnosis | undefined {
  return (incident.diagnosis ?? undefined) as unknown as Diagnosis | undefined;
}

function handledKeys(deps: WorkerDeps, incidents: Incident[]): Set<string> {
  const keys = new Set<string>();
  for (const incident of incidents) {
    for (const action of deps.store.actions.listActions(incident.id)) {
      if (action.kind === ACTION.approval && typeof action.detail.key === 'string') {
        keys.add(action.detail.key);
      }
    }
  }
  return keys;
}

async function handleApproval(
  deps: WorkerDeps,
  bot: GitlabUser,
  note: StoredNote,
  approval: Approval,
  incidents: Incident[],
  report: OneClickReport,
  changed: Set<number>,
) {
  const { store } = deps;
  const refusals: string[] = [];
  for (const incident of incidents) {
    const diagnosis = diagnosisOf(incident) as Diagnosis;
    const fix = diagnosis.fix as AllowlistFix;
    const state = fixStateOf(store.actions.listActions(incident.id), diagnosis, {
      botUsername: bot.username,
      reactions: note.targetKind === 'merge_request',
    });
    const record = (status: string, extra: Record<string, unknown> = {}) =>
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.approval,
        actor: approval.username,
        status,
        detail: { key: approval.key, via: approval.via, command: approval.command, ...extra },
      });

    const wantsRevert = approval.command === 'revert';
    const applicable = wantsRevert
      ? state?.kind === 'applied'
      : state?.kind === 'offered' || state?.kind === 'failed';
    if (!applicable) {
      record('ignored', {
        reason: `nothing to ${wantsRevert ? 'revert' : 'apply'}: ${state?.kind ?? 'no offer'}`,
      });
      continue;
    }
    // Checked now, when the approval is acted on: roles change.
    const allowed = await authorise(deps, bot, fix, approval.userId, !wantsRevert);
    if (!allowed.ok) {
      record('refused', { reason: allowed.reason, accessLevel: allowed.level });
      report.refused += 1;
      refusals.push(allowed.answer);
      continue;
    }
    record('allowed', { accessLevel: allowed.level });
    const result = wantsRevert
      ? await revert(deps, incident, fix)
      : await apply(deps, incident, fix, approval);
    if (result.status === 'applied' && !wantsRevert) report.applied += 1;
    changed.add(incident.id);
    if (!wantsRevert && result.status !== 'failed') {
      report.retried += await retryAffectedJobs(deps, incident);
    }
  }
  if (refusals.length > 0 && approval.via === 'reply') {
    await answerRefusal(deps, note, approval, [...new Set(refusals)], incidents[0]?.id);
  }
}

/**
 * GitLab's own rule for this write: Maintainer (or Owner) of B, and, to add
 * A, able to see A. Checked when the approval is acted on: roles change.
 */
async function authorise(
  deps: WorkerDeps,
  bot: GitlabUser,
  fix: AllowlistFix,
  userId: number,
  adding: boolean,
): Promise<
  { ok: true; level: number } | { ok: false; level: number; reason: string; answer: string }
> {
  const onlyMaintainers = `Only Maintainers and Owners of ${code(fix.target.path)} can accept this change`;
  if (userId === bot.id) {
    return {
      ok: false,
      level: 0,
      reason: 'the bot cannot approve its own change',
      answer: onlyMaintainers,
    };
  }
  const member = await deps.gitlab.getMember(fix.target.id, userId);
  const level = member?.accessLevel ?? 0;
  if (level < MAINTAINER) {
    return {
      ok: false,
      level,
      reason: `access level ${level} in ${fix.target.path}; Maintainer (40) or Owner (50) is needed`,
      answer: onlyMaintainers,
    };
  }
  if (adding && !(await canSee(deps, fix.source.id, userId))) {
    return {
      ok: false,
      level,
      reason: `cannot see ${fix.source.path}, which GitLab requires to add it to an allowlist`,
      answer: `GitLab lets only people who can see ${code(fix.source.path)} add it to an allowlist, and it is not visible to them`,
    };
  }
  return { ok: true, level };
}

/** Whether the user can see project A: public, internal, or a member (Guest or more). */
async function canSee(deps: WorkerDeps, projectId: number, userId: number): Promise<boolean> {
  const project = await deps.gitlab.getProject(projectId);
  if (project.visibility !== 'private') return true;
  const member = await deps.gitlab.getMember(projectId, userId);
  return (member?.accessLevel ?? 0) >= GUEST;
}

async function apply(deps: WorkerDeps, incident: Incident, fix: AllowlistFix, approval: Approval) {
  const entry = approval.command === 'apply-group' ? 'group' : 'project';
  const result = await addToAllowlist(deps.gitlab, fix, entry);
  recordResult(deps, incident, fix, result, approval.username, 'add');
  return result;
}

async function revert(deps: WorkerDeps, incident: Incident, fix: AllowlistFix) {
  const actions = deps.store.actions.listActions(incident.id);
  const added = [...actions]
    .reverse()
    .find((a) => a.kind === ACTION.write && a.detail.op === 'add' && a.status !== 'dry-run');
  const approver = [...actions]
    .reverse()
    .find((a) => a.kind === ACTION.approval && a.status === 'allowed');
  const via = added?.detail.via === 'graphql' ? ('graphql' as const) : ('rest' as const);
  const entry =
    added?.detail.entry === 'group'
      ? { kind: 'group' as const, groupId: Number(added.detail.groupId), via }
      : { kind: 'project' as const, via };
  const result = await removeFromAllowlist(deps.gitlab, fix, entry);
  recordResult(deps, incident, fix, result, approver?.actor ?? '', 'remove');
  return result;
}

function recordResult(
  deps: WorkerDeps,
  incident: Incident,
  fix: AllowlistFix,
  result: WriteResult,
  approvedBy: string,
  op: 'add' | 'remove',
) {
  const { store } = deps;
  const where = {
    op,
    target: fix.target.path,
    targetId: fix.target.id,
    source: fix.source.path,
    sourceId: fix.source.id,
    approvedBy,
  };
  if (result.status === 'applied') {
    store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.write,
      status: deps.gitlab.dryRun ? 'dry-run' : result.httpStatus,
      detail: {
        ...where,
        entry: result.entry,
        ...(result.groupId ? { groupId: result.groupId } : {}),
        ...(result.via ? { via: result.via } : {}),
      },
    });
    if (!deps.gitlab.dryRun) {
      store.incidents.setIncidentStatus(incident.id, op === 'add' ? 'fixed' : 'open');
      if (op === 'add') deps.metrics?.fixApplied();
    }
    return;
  }
  if (result.status === 'already-present') {
    store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.outcome,
      status: 'fixed-by-hand',
      detail: { ...where, detail: result.detail },
    });
    store.incidents.setIncidentStatus(incident.id, 'fixed');
    return;
  }
  store.actions.recordAction({
    incidentId: incident.id,
    kind: result.httpStatus ? ACTION.write : ACTION.outcome,
    status: result.httpStatus ?? 'failed',
    detail: { ...where, reason: result.reason },
  });
  store.actions.recordAction({
    incidentId: incident.id,
    kind: ACTION.outcome,
    status: 'failed',
    detail: { reason: result.reason },
  });
}

/**
 * Retries the failed jobs of every pipeline the incident covers that is
 * still the newest of its ref, once each: the trail remembers what was
 * retried, so a restart never retries twice.
 */
async function retryAffectedJobs(deps: WorkerDeps, incident: Incident): Promise<number> {
  const { store, gitlab } = deps;
  if (gitlab.dryRun) return 0;
  const actions = store.actions.listActions(incident.id);
  const done = new Set(
    actions.filter((a) => a.kind === ACTION.retry).map((a) => Number(a.detail.oldJobId)),
  );
  const fixedAt = [...actions]
    .reverse()
    .find(
      (a) =>
        (a.kind === ACTION.write && a.detail.op === 'add') ||
        (a.kind === ACTION.outcome && a.status === 'fixed-by-hand'),
    )?.createdAt;
  let retried = 0;
  // Several failed jobs usually share a pipeline: ask once per project and ref.
  const newest = new Map<string, Promise<{ id: number } | undefined>>();
  const latestOf = (projectId: number, ref: string) => {
    const key = `${projectId}:${ref}`;
    let found = newest.get(key);
    if (!found) {
      found = gitlab.latestPipeline(projectId, ref);
      newest.set(key, found);
    }
    return found;
  };
  for (const occurrence of store.occurrences.listOccurrences(incident.id)) {
    if (done.has(occurrence.jobId)) continue;
    // Only failures seen before the fix are the fix's to retry (both times are the bot's clock).
    if (fixedAt && occurrence.recordedAt > fixedAt) continue;
    const detail = {
      projectId: occurrence.projectId,
      oldJobId: occurrence.jobId,
      jobName: occurrence.jobName,
    };
    try {
      const latest = await latestOf(occurrence.projectId, occurrence.ref);
      if (latest && latest.id !== occurrence.pipelineId) {
        store.actions.recordAction({
          incidentId: incident.id,
          kind: ACTION.retry,
          status: 'skipped',
          detail: {
            ...detail,
            reason: `pipeline ${occurrence.pipelineId} is no longer the newest of ${occurrence.ref}`,
          },
        });
        continue;
      }
      const job = await gitlab.retryJob(occurrence.projectId, occurrence.jobId);
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.retry,
        status: 'ok',
        detail: { ...detail, newJobId: job.id, jobUrl: job.webUrl, status: job.status },
      });
      retried += 1;
    } catch (error) {
      // Left for the next cycle: the trail shows the job is not retried yet.
      if (error instanceof GitlabTransientError) throw error;
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.retry,
        status: 'failed',
        detail: { ...detail, error: errorMessage(error) },
      });
    }
  }
  return retried;
}

function incidentsWithRecentWrites(deps: WorkerDeps, since: Date): Incident[] {
  return deps.store.incidents
    .listIncidents({ status: 'fixed', since, limit: 200 })
    .filter((i) => hasOneClickFix(diagnosisOf(i)));
}

/** Retries not yet made (after a crash) and retried jobs still running. */
async function continueAfterWrite(
  deps: WorkerDeps,
  incident: Incident,
  report: OneClickReport,
): Promise<boolean> {
  const actions = deps.store.actions.listActions(incident.id);
  const applied = actions.some(
    (a) =>
      (a.kind === ACTION.write && a.detail.op === 'add' && /^2\d\d$/.test(a.status)) ||
      (a.kind === ACTION.outcome && a.status === 'fixed-by-hand'),
  );
  if (!applied) return false;
  let changed = false;
  const retried = await retryAffectedJobs(deps, incident);
  report.retried += retried;
  if (retried > 0) changed = true;
  for (const job of retriedJobs(deps.store.actions.listActions(incident.id))) {
    if (isFinal(job.status)) continue;
    const now = await deps.gitlab.getJob(job.projectId, job.newJobId);
    if (now.status === job.status) continue;
    deps.store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.retryResult,
      status: now.status,
      detail: { newJobId: job.newJobId, status: now.status },
    });
    changed = true;
  }
  return changed;
}

async function answerRefusal(
  deps: WorkerDeps,
  note: StoredNote,
  approval: Approval,
  reasons: string[],
  incidentId: number | undefined,
) {
  const body = `${reasons.join('; ')}: nothing was changed for ${code(approval.username)}.`;
  if (note.targetKind === 'merge_request') {
    await deps.gitlab.createMergeRequestNote(note.projectId, Number(note.targetKey), body);
  } else {
    await deps.gitlab.replyToCommitDiscussion(
      note.projectId,
      note.targetKey,
      note.discussionId ?? '',
      body,
    );
  }
  deps.store.actions.recordAction({
    incidentId: incidentId ?? null,
    kind: ACTION.reply,
    actor: approval.username,
    status: 'ok',
    detail: { key: approval.key, reason: 'not allowed to accept' },
  });
}
