import { authoriseRetry } from '../../fix/authorise.js';
import { readApprovals, type Approval } from '../../fix/approvals.js';
import { approvesOffer, chosenIncident, latestOffer } from '../../fix/offer.js';
import { isRetryOfferable } from '../../fix/retry-offer.js';
import { ACTION, hasOneClickFix } from '../../fix/state.js';
import type { GitlabUser } from '../../gitlab/port.js';
import { code } from '../../render/markdown.js';
import type { Incident, Note as StoredNote } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { answerOnce } from './refusal.js';
import { retryAffectedJobs } from './retry.js';
import { diagnosisOf, type OneClickReport } from './types.js';

/**
 * The one-click retry of infrastructure failures on one of the bot's notes:
 * `@bot retry` (or a 👍 when the note makes no other offer) from a Developer
 * or higher of the note's project, checked when it is acted on, retries the
 * failed jobs of that note once each. Every approval is handled once: the
 * audit trail remembers it.
 */
export async function processRetryApprovals(
  deps: PipelineDeps,
  note: StoredNote,
  bot: GitlabUser,
  report: OneClickReport,
  changed: Set<number>,
): Promise<void> {
  const { store } = deps;
  const onNote = note.incidentIds
    .map((id) => store.incidents.getIncident(id))
    .filter((i): i is Incident => i !== undefined);
  const incidents = onNote.filter((i) => isRetryOfferable(diagnosisOf(i)));
  if (incidents.length === 0) return;
  const onlyOffer = incidents.length === 1 && !onNote.some((i) => hasOneClickFix(diagnosisOf(i)));
  const approvals = (await readApprovals(deps.gitlab, note, bot)).filter(
    (a) => a.command === 'retry' || (a.via === 'reaction' && onlyOffer),
  );
  const handled = new Set(
    incidents.flatMap((i) =>
      store.actions
        .listActions(i.id)
        .filter((a) => a.kind === ACTION.approval && typeof a.detail.key === 'string')
        .map((a) => a.detail.key as string),
    ),
  );
  for (const approval of approvals.sort((a, b) => a.at.localeCompare(b.at))) {
    if (handled.has(approval.key)) continue;
    report.approvalsSeen += 1;
    await handleRetry(deps, bot, note, approval, incidents, report, changed);
  }
}

async function handleRetry(
  deps: PipelineDeps,
  bot: GitlabUser,
  note: StoredNote,
  approval: Approval,
  incidents: Incident[],
  report: OneClickReport,
  changed: Set<number>,
) {
  const { store } = deps;
  const record = (incident: Incident, status: string, extra: Record<string, unknown> = {}) =>
    store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.approval,
      actor: approval.username,
      status,
      detail: { key: approval.key, via: approval.via, command: 'retry', ...extra },
    });
  const chosen = chosenIncident(
    approval.incidentId,
    incidents.map((i) => i.id),
  );
  if (chosen.id === undefined) {
    for (const incident of incidents) {
      record(incident, 'ignored', {
        reason:
          chosen.why === 'ambiguous'
            ? 'several offers on the note: the approval must name the incident'
            : 'nothing to retry',
      });
    }
    if (chosen.why === 'ambiguous') {
      await answerOnce(
        deps,
        note,
        approval,
        incidents[0]?.id,
        `This comment offers several retries, and one approval makes one: reply ${incidents
          .map((i) => code(`@${bot.username} retry ${i.id}`))
          .join(' or ')} to choose`,
      );
    }
    return;
  }
  const incident = incidents.find((i) => i.id === chosen.id) as Incident;
  const where = `${note.targetKind}:${note.targetKey}`;
  if (!approvesOffer(approval.at, latestOffer(store.actions.listActions(incident.id), where))) {
    record(incident, 'ignored', { reason: 'given before the retry was offered' });
    return;
  }
  // The jobs retried are the note's, so the role that counts is in the note's project.
  const project = diagnosisOf(incident)?.project;
  const allowed = await authoriseRetry(
    deps.gitlab,
    bot,
    {
      id: note.projectId,
      path: project?.id === note.projectId ? project.path : `project ${note.projectId}`,
    },
    approval.userId,
  );
  if (!allowed.ok) {
    record(incident, 'refused', { reason: allowed.reason, accessLevel: allowed.level });
    report.refused += 1;
    if (approval.via === 'reply') {
      await answerOnce(deps, note, approval, incident.id, allowed.answer);
    }
    return;
  }
  record(incident, 'allowed', { accessLevel: allowed.level });
  const target = note.targetKind === 'merge_request' ? Number(note.targetKey) : note.targetKey;
  report.retried += await retryAffectedJobs(
    deps,
    incident,
    (o) =>
      o.projectId === note.projectId &&
      (typeof target === 'number' ? o.mrIid === target : o.sha === target),
  );
  changed.add(incident.id);
}
