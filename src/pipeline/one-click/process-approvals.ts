import type { Diagnosis } from '../../domain/diagnosis.js';
import { authorise } from '../../fix/authorise.js';
import { approvalsIn, type Approval } from '../../fix/approvals.js';
import { isOfferable } from '../../fix/offer.js';
import { isRetryOfferable } from '../../fix/retry-offer.js';
import { fixStateOf, hasOneClickFix } from '../../fix/state.js';
import type { Incident } from '../../store/index.js';
import { failureSeen } from '../publish/note.js';
import {
  approvalRecorder,
  approvesLatestOffer,
  chooseOne,
  eachNewApproval,
} from './approval-choice.js';
import { refuseApproval } from './refusal.js';
import { retryAffectedJobs } from './retry.js';
import { diagnosisOf, type NoteApprovals, type OneClickFix } from './types.js';
import { holdsChange, openWriteIntent, tryWrite } from './write-intent.js';

/**
 * Acts on the approvals of one of the bot's notes. They are read through the API
 * (`thread`, read once when first needed and shared with the retry approvals and the
 * feedback), never taken from whoever says there is one, and each is acted on once: the
 * audit trail remembers what was handled. The incidents whose fix changed are added to
 * `changed`; the caller refreshes their notes.
 */
export async function processApprovals(on: NoteApprovals): Promise<void> {
  const { deps, note } = on;
  const incidents = note.incidentIds
    .map((id) => deps.store.incidents.getIncident(id))
    .filter((i): i is Incident => i !== undefined && hasOneClickFix(diagnosisOf(i)));
  if (incidents.length === 0) return;
  // A reaction on a note that also offers a retry cannot say which it accepts.
  const retryOffered = note.incidentIds.some((id) => {
    const incident = deps.store.incidents.getIncident(id);
    return incident !== undefined && isRetryOfferable(diagnosisOf(incident));
  });
  const approvals = approvalsIn(await on.thread.get(), on.bot).filter(
    (a) => a.command !== 'retry' && !(retryOffered && a.via === 'reaction'),
  );
  await eachNewApproval(on, approvals, { incidents, answerIds: note.incidentIds }, (approval) =>
    handleApproval(on, approval, incidents),
  );
}

async function handleApproval(on: NoteApprovals, approval: Approval, incidents: Incident[]) {
  const { deps, bot, note, report } = on;
  const { store } = deps;
  const wantsRevert = approval.command === 'revert';
  const stateOf = (incident: Incident) =>
    fixStateOf(store.actions.listActions(incident.id), diagnosisOf(incident) as Diagnosis, {
      botUsername: bot.username,
      reactions: note.targetKind === 'merge_request',
      ...failureSeen(store, incident.id),
    });
  const open = incidents.filter((incident) => {
    const state = stateOf(incident);
    return wantsRevert
      ? state?.kind === 'applied'
      : (state?.kind === 'offered' || state?.kind === 'failed') &&
          isOfferable(diagnosisOf(incident));
  });
  const record = approvalRecorder(deps, approval, approval.command);
  // One approval, one change: a note with several offers needs the incident named.
  const incident = await chooseOne(on, approval, {
    incidents,
    open,
    record,
    nothing: `nothing to ${wantsRevert ? 'revert' : 'apply'}`,
    what: 'changes',
    verb: approval.command.replace('-', ' '),
  });
  if (!incident) return;
  const diagnosis = diagnosisOf(incident) as Diagnosis;
  const fix = diagnosis.fix as OneClickFix;
  if (!wantsRevert && !approvesLatestOffer(on, approval, incident)) {
    record(incident, 'ignored', {
      reason: 'given before the offer was made, or on an older offer',
    });
    return;
  }
  // Checked now, when the approval is acted on: roles change.
  const allowed = await authorise(
    deps.gitlab,
    bot,
    fix,
    approval.userId,
    approval.command,
    diagnosis.project,
  );
  if (!allowed.ok) {
    await refuseApproval(deps, note, approval, incident, record, allowed, report);
    return;
  }
  // The approval and what it sets out to change are recorded together, before any request.
  const intent = store.transaction(() => {
    record(incident, 'allowed', { accessLevel: allowed.level });
    return openWriteIntent(
      deps,
      incident,
      fix,
      wantsRevert ? 'remove' : 'add',
      approval.command === 'apply-group' ? 'group' : 'project',
      approval.username,
    );
  });
  const result = await tryWrite(deps, incident, fix, intent.id);
  if ((result.status === 'applied' || result.status === 'confirmed') && !wantsRevert) {
    report.applied += 1;
  }
  on.changed.add(incident.id);
  // Jobs are retried only for a change GitLab holds.
  if (!wantsRevert && holdsChange(result)) {
    report.retried += await retryAffectedJobs(deps, incident);
  }
}
