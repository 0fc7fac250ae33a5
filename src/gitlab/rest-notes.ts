import { LIST_LIMIT, type Api } from './api.js';
import type { GitlabPort } from './port.js';
import type { Requester } from './request.js';
import * as S from './schema.js';

/** Merge requests and the comments on them and on commits, with their reactions. */
export function noteMethods(
  api: Api,
  { read, write }: Requester,
): Pick<
  GitlabPort,
  | 'getMergeRequest'
  | 'listMergeRequestsForCommit'
  | 'listOpenMergeRequestsForBranch'
  | 'listMergeRequestNotes'
  | 'createMergeRequestNote'
  | 'editMergeRequestNote'
  | 'listNoteAwardEmoji'
  | 'listCommitDiscussions'
  | 'replyToCommitDiscussion'
  | 'createCommitDiscussion'
  | 'editCommitDiscussionNote'
> {
  const short = (sha: string) => sha.slice(0, 8);
  return {
    async getMergeRequest(projectId, iid) {
      return read({ what: `reading merge request !${iid}` }, async () =>
        S.MergeRequest.parse(await api.MergeRequests.show(projectId, iid)),
      );
    },

    async listMergeRequestsForCommit(projectId, sha) {
      return read({ what: `listing merge requests of commit ${short(sha)}` }, async () =>
        S.MergeRequest.array().parse(await api.Commits.allMergeRequests(projectId, sha)),
      );
    },

    async listOpenMergeRequestsForBranch(projectId, branch) {
      return read({ what: `listing open merge requests of branch ${branch}` }, async () =>
        S.MergeRequest.array().parse(
          await api.MergeRequests.all({
            projectId,
            sourceBranch: branch,
            state: 'opened',
            perPage: 20,
            maxPages: 1,
          }),
        ),
      );
    },

    async listMergeRequestNotes(projectId, iid) {
      return read({ what: `reading the comments of merge request !${iid}` }, async () =>
        S.Note.array().parse(
          await api.MergeRequestNotes.all(projectId, iid, {
            sort: 'asc',
            orderBy: 'created_at',
            ...LIST_LIMIT,
          }),
        ),
      );
    },

    async createMergeRequestNote(projectId, iid, body) {
      return write(
        { what: `commenting on merge request !${iid}`, needs: 'Reporter on the project' },
        async () => S.Note.parse(await api.MergeRequestNotes.create(projectId, iid, body)),
      );
    },

    async editMergeRequestNote(projectId, iid, noteId, body) {
      return write({ what: `editing the bot's comment on merge request !${iid}` }, async () =>
        S.Note.parse(await api.MergeRequestNotes.edit(projectId, iid, noteId, { body })),
      );
    },

    async listNoteAwardEmoji(projectId, iid, noteId) {
      return read(
        { what: `reading the reactions to comment ${noteId} on merge request !${iid}` },
        async () =>
          S.AwardEmoji.array().parse(
            await api.MergeRequestNoteAwardEmojis.all(projectId, iid, noteId, LIST_LIMIT),
          ),
      );
    },

    async listCommitDiscussions(projectId, sha) {
      return read({ what: `reading the discussions of commit ${short(sha)}` }, async () =>
        S.CommitDiscussion.array().parse(
          await api.CommitDiscussions.all(projectId, sha, LIST_LIMIT as Record<string, unknown>),
        ),
      );
    },

    async replyToCommitDiscussion(projectId, sha, discussionId, body) {
      return write(
        { what: `replying on commit ${short(sha)}`, needs: 'Reporter on the project' },
        async () =>
          S.Note.parse(await api.CommitDiscussions.addNote(projectId, sha, discussionId, body)),
      );
    },

    async createCommitDiscussion(projectId, sha, body) {
      return write(
        { what: `commenting on commit ${short(sha)}`, needs: 'Reporter on the project' },
        async () =>
          S.CommitDiscussion.parse(await api.CommitDiscussions.create(projectId, sha, body)),
      );
    },

    async editCommitDiscussionNote(projectId, sha, discussionId, noteId, body) {
      return write({ what: `editing the bot's comment on commit ${short(sha)}` }, async () =>
        S.Note.parse(
          await api.CommitDiscussions.editNote(projectId, sha, discussionId, noteId, { body }),
        ),
      );
    },
  };
}
