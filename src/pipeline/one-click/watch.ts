import { ACTION, hasOneClickFix, isFinal, isWritten, retriedJobs } from '../../fix/state.js';
import type { Incident, Note as StoredNote } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { retryAffectedJobs } from './retry.js';
import { diagnosisOf, type OneClickReport } from './types.js';

/** Incidents fixed lately, whose retries may be unfinished or still running. */
export function incidentsWithRecentWrites(deps: PipelineDeps, since: Date): Incident[] {
  return deps.store.incidents
    .listIncidents({ status: 'fixed', since, limit: 200 })
    .filter((i) => hasOneClickFix(diagnosisOf(i)));
}

/** Retries not yet made (after a crash) and retried jobs still running. */
export async function continueAfterWrite(
  deps: PipelineDeps,
  incident: Incident,
  report: OneClickReport,
): Promise<boolean> {
  const actions = deps.store.actions.listActions(incident.id);
  const applied = actions.some(
    (a) =>
      (a.kind === ACTION.write && a.detail.op === 'add' && isWritten(a.status)) ||
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

/** Trail entries that are about the note itself, not about what it shows. */
const NOTE_KINDS: ReadonlySet<string> = new Set(['note-created', 'note-edited', ACTION.offered]);

/**
 * The incidents of a note whose trail moved on after the note's last version was recorded: a
 * crash or a failed edit between recording a change and editing the note must not leave the
 * note saying something older for good. Rendering again costs no request when nothing changed.
 */
export function incidentsAheadOfNote(deps: PipelineDeps, note: StoredNote): number[] {
  const target = `${note.targetKind}:${note.targetKey}`;
  return note.incidentIds.filter((id) => {
    let lastVersion = 0;
    let lastChange = 0;
    for (const action of deps.store.actions.listActions(id)) {
      if (!NOTE_KINDS.has(action.kind)) lastChange = action.id;
      else if (action.kind !== ACTION.offered && action.detail.target === target) {
        lastVersion = action.id;
      }
    }
    return lastChange > lastVersion;
  });
}
