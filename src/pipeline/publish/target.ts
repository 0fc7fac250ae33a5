import type { GitlabPort, Job } from '../../gitlab/port.js';
import type { NoteTargetKind } from '../../store/index.js';

/** Where a pipeline's note belongs: its merge request, or else its commit. */
export interface NoteTarget {
  projectId: number;
  kind: NoteTargetKind;
  /** Merge request iid, or commit sha. */
  key: string;
  mrIid?: number;
  sha: string;
  /** The project's web address, for links to the note. */
  projectWebUrl: string;
}

const MR_REF = /^refs\/merge-requests\/(?<iid>\d+)\/(?:head|merge|train)$/;

/**
 * Finds where to comment: the merge request of an MR pipeline (its ref
 * names it), else an open merge request of the commit or of the branch,
 * else the commit itself.
 */
export async function findNoteTarget(gitlab: GitlabPort, job: Job): Promise<NoteTarget> {
  const { projectId, sha, ref } = job.pipeline;
  const projectWebUrl = job.webUrl.replace(/\/-\/jobs\/\d+$/, '');
  const mrIid = MR_REF.exec(ref)?.groups?.iid;
  if (mrIid) {
    return {
      projectId,
      kind: 'merge_request',
      key: mrIid,
      mrIid: Number(mrIid),
      sha,
      projectWebUrl,
    };
  }
  const forCommit = (await gitlab.listMergeRequestsForCommit(projectId, sha)).filter(
    (mr) => mr.state === 'opened' && mr.projectId === projectId,
  );
  const byBranch =
    forCommit.length > 0 ? forCommit : await gitlab.listOpenMergeRequestsForBranch(projectId, ref);
  const mr = byBranch.find((m) => m.projectId === projectId);
  if (mr) {
    return {
      projectId,
      kind: 'merge_request',
      key: String(mr.iid),
      mrIid: mr.iid,
      sha,
      projectWebUrl,
    };
  }
  return { projectId, kind: 'commit', key: sha, sha, projectWebUrl };
}
