import type { GitlabUser } from '../../gitlab/port.js';
import type { HeldBackTarget } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { publishNote } from './note.js';
import type { NoteTarget } from './target.js';

/**
 * The notes a dry run held back, posted once the bot writes for real: the jobs it diagnosed
 * then are known and never diagnosed again, so without this their merge requests would get
 * no note. Still in dry-run, the first note held back again ends the attempt for the process.
 */
export function createHeldBackNotes(deps: PipelineDeps) {
  let stillHeldBack = false;
  /** `heldBackNow`: a note of this cycle was held back, so writes still are (no need to try). */
  return async function publishHeldBack(bot: GitlabUser, heldBackNow: boolean): Promise<number> {
    if (heldBackNow) stillHeldBack = true;
    if (stillHeldBack) return 0;
    let posted = 0;
    for (const held of deps.store.notes.listHeldBackTargets()) {
      const note = await publishNote(deps, noteTarget(held), bot);
      if (note?.heldBack) {
        stillHeldBack = true;
        break;
      }
      if (note) posted += 1;
    }
    return posted;
  };
}

function noteTarget(held: HeldBackTarget): NoteTarget {
  return {
    projectId: held.projectId,
    kind: held.targetKind,
    key: held.targetKey,
    ...(held.targetKind === 'merge_request' ? { mrIid: Number(held.targetKey) } : {}),
    sha: held.sha,
    projectWebUrl: held.projectWebUrl,
  };
}
