import type { Diagnosis } from '../../domain/diagnosis.js';
import { authorise } from '../../fix/authorise.js';
import { readApprovals, type Approval } from '../../fix/approvals.js';
import { code } from '../../render/markdown.js';
import { approvesOffer, chosenIncident, isOfferable, latestOffer } from '../../fix/offer.js';
import { isRetryOfferable } from '../../fix/retry-offer.js';
import { ACTION, fixStateOf, hasOneClickFix } from '../../fix/state.js';
import type { GitlabUser } from '../../gitlab/port.js';
import type { Incident, Note as StoredNote } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { refreshNotes } from '../publish/note.js';
import { apply, revert } from './apply.js';
import { processRetryApprovals } from './process-retry.js';
import { answerOnce } from './refusal.js';
import { retryAffectedJobs } from './retry.js';
import { diagnosisOf, newOneClickReport, type AllowlistFix, type OneClickReport } from './types.js';
import { continueAfterWrite, incidentsWithRecentWrites } from './watch.js';

/**
 * The one-click flow, run once per cycle: read reactions and replies on the
 * bot's notes with open offers (only notes younger than `maxAgeMs`: bounded
 * work), act on authorised approvals, retry the jobs a fix unblocks, watch
 * them, and keep every affected note up to date. Everything is in the audit
 * trail, which is also what makes it safe to resume after a crash.
 */
export async function runOneClick(
  deps: PipelineDeps,
  bot: GitlabUser,
  maxAgeMs: number,
): Promise<OneClickReport> {
  const report = newOneClickReport();
  const since = new Date(deps.now().getTime() - maxAgeMs);
  const changed = new Set<number>();
  for (const note of deps.store.notes.listNotesUpdatedSince(since)) {
    await processApprovals(deps, note, bot, report, changed);
    await processRetryApprovals(deps, note, bot, report, changed);
  }

  // Work a crash or an outage may have left half done, and retried jobs to watch.
  for (const incident of incidentsWithRecentWrites(deps, since)) {
    if (await continueAfterWrite(deps, incident, report)) changed.add(incident.id);
  }
  if (changed.size > 0) await refreshNotes(deps, changed, bot);
  return report;
}

/**
 * Acts on the approvals of one of the bot's notes. They are read again
 * through the API, never taken from whoever says there is one, and each is
 * acted on once: the audit trail remembers what was handled. The incidents
 * whose fix changed are added to `changed`; the caller refreshes their notes.
 */
export async function processApprovals(
  deps: PipelineDeps,
  note: StoredNote,
  bot: GitlabUser,
  report: OneClickReport = newOneClickReport(),
  changed: Set<number> = new Set(),
): Promise<OneClickReport> {
  const incidents = note.incidentIds
    .map((id) => deps.store.incidents.getIncident(id))
    .filter((i): i is Incident => i !== undefined && hasOneClickFix(diagnosisOf(i)));
  if (incidents.length === 0) return report;
  // A reaction on a note that also offers a retry cannot say which it accepts.
  const retryOffered = note.incidentIds.some((id) => {
    const incident = deps.store.incidents.getIncident(id);
    return incident !== undefined && isRetryOfferable(diagnosisOf(incident));
  });
  const approvals = (await readApprovals(deps.gitlab, note, bot)).filter(
    (a) => a.command !== 'retry' && !(retryOffered && a.via === 'reaction'),
  );
  const handled = handledKeys(deps, incidents);
  for (const approval of approvals.sort((a, b) => a.at.localeCompare(b.at))) {
    if (handled.has(approval.key)) continue;
    report.approvalsSeen += 1;
    await handleApproval(deps, bot, note, approval, incidents, report, changed);
  }
  return report;
}

function handledKeys(deps: PipelineDeps, incidents: Incident[]): Set<string> {
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
  deps: PipelineDeps,
  bot: GitlabUser,
  note: StoredNote,
  approval: Approval,
  incidents: Incident[],
  report: OneClickReport,
  changed: Set<number>,
) {
  const { store } = deps;
  const wantsRevert = approval.command === 'revert';
  const where = `${note.targetKind}:${note.targetKey}`;
  const stateOf = (incident: Incident) =>
    fixStateOf(store.actions.listActions(incident.id), diagnosisOf(incident) as Diagnosis, {
      botUsername: bot.username,
      reactions: note.targetKind === 'merge_request',
    });
  const open = incidents.filter((incident) => {
    const state = stateOf(incident);
    return wantsRevert
      ? state?.kind === 'applied'
      : (state?.kind === 'offered' || state?.kind === 'failed') &&
          isOfferable(diagnosisOf(incident));
  });
  const record = (incident: Incident, status: string, extra: Record<string, unknown> = {}) =>
    store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.approval,
      actor: approval.username,
      status,
      detail: { key: approval.key, via: approval.via, command: approval.command, ...extra },
    });

  // One approval, one change: a note with several offers needs the incident named.
  const chosen = chosenIncident(
    approval.incidentId,
    open.map((i) => i.id),
  );
  if (chosen.id === undefined) {
    for (const incident of incidents) {
      record(incident, 'ignored', {
        reason:
          chosen.why === 'ambiguous'
            ? 'several offers on the note: the approval must name the incident'
            : `nothing to ${wantsRevert ? 'revert' : 'apply'}`,
      });
    }
    if (chosen.why === 'ambiguous') {
      await answerOnce(
        deps,
        note,
        approval,
        open[0]?.id,
        `This comment offers several changes, and one approval makes one: reply ${open
          .map((i) => code(`@${bot.username} ${approval.command.replace('-', ' ')} ${i.id}`))
          .join(' or ')} to choose`,
      );
    }
    return;
  }
  const incident = open.find((i) => i.id === chosen.id) as Incident;
  const fix = (diagnosisOf(incident) as Diagnosis).fix as AllowlistFix;
  // Bound to the offer: an approval older than the offer it would accept counts for nothing.
  if (
    !wantsRevert &&
    !approvesOffer(approval.at, latestOffer(store.actions.listActions(incident.id), where))
  ) {
    record(incident, 'ignored', {
      reason: 'given before the offer was made, or on an older offer',
    });
    return;
  }
  // Checked now, when the approval is acted on: roles change.
  const allowed = await authorise(deps.gitlab, bot, fix, approval.userId, approval.command);
  if (!allowed.ok) {
    record(incident, 'refused', { reason: allowed.reason, accessLevel: allowed.level });
    report.refused += 1;
    if (approval.via === 'reply') {
      await answerOnce(deps, note, approval, incident.id, allowed.answer);
    }
    return;
  }
  record(incident, 'allowed', { accessLevel: allowed.level });
  const result = wantsRevert
    ? await revert(deps, incident, fix)
    : await apply(deps, incident, fix, approval);
  const inGitlab =
    result.status === 'already-present' || (result.status === 'applied' && result.answer.made);
  if (result.status === 'applied' && !wantsRevert) report.applied += 1;
  changed.add(incident.id);
  // Jobs are retried only for a change GitLab holds.
  if (!wantsRevert && inGitlab) {
    report.retried += await retryAffectedJobs(deps, incident);
  }
}
