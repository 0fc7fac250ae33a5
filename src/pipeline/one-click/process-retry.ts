import { authoriseRetry } from '../../fix/authorise.js';
import { approvalsIn, type Approval } from '../../fix/approvals.js';
import { isRetryOfferable } from '../../fix/retry-offer.js';
import { hasOneClickFix } from '../../fix/state.js';
import type { Incident } from '../../store/index.js';
import {
  approvalRecorder,
  approvesLatestOffer,
  chooseOne,
  eachNewApproval,
} from './approval-choice.js';
import { refuseApproval } from './refusal.js';
import { retryAffectedJobs } from './retry.js';
import { diagnosisOf, type NoteApprovals } from './types.js';

/**
 * The one-click retry of infrastructure failures on one of the bot's notes:
 * `@bot retry` (or a 👍 when the note makes no other offer) from a Developer
 * or higher of the note's project, checked when it is acted on, retries the
 * failed jobs of that note once each. Every approval is handled once: the
 * audit trail remembers it. `thread` is the note's one read, shared with the
 * fix approvals and the feedback.
 */
export async function processRetryApprovals(on: NoteApprovals): Promise<void> {
  const { store } = on.deps;
  const onNote = on.note.incidentIds
    .map((id) => store.incidents.getIncident(id))
    .filter((i): i is Incident => i !== undefined);
  const incidents = onNote.filter((i) => isRetryOfferable(diagnosisOf(i)));
  if (incidents.length === 0) return;
  const onlyOffer = incidents.length === 1 && !onNote.some((i) => hasOneClickFix(diagnosisOf(i)));
  const approvals = approvalsIn(await on.thread.get(), on.bot).filter(
    (a) => a.command === 'retry' || (a.via === 'reaction' && onlyOffer),
  );
  const answerIds = incidents.map((i) => i.id);
  await eachNewApproval(on, approvals, { incidents, answerIds }, (approval) =>
    handleRetry(on, approval, incidents),
  );
}

async function handleRetry(on: NoteApprovals, approval: Approval, incidents: Incident[]) {
  const { deps, bot, note, report } = on;
  const record = approvalRecorder(deps, approval, 'retry');
  const incident = await chooseOne(on, approval, {
    incidents,
    open: incidents,
    record,
    nothing: 'nothing to retry',
    what: 'retries',
    verb: 'retry',
  });
  if (!incident) return;
  if (!approvesLatestOffer(on, approval, incident)) {
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
    await refuseApproval(deps, note, approval, incident, record, allowed, report);
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
  on.changed.add(incident.id);
}
