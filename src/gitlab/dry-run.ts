import type { GitlabPort, GitlabWrites, Note, WriteAnswer } from './port.js';

/** One write the bot would have made. */
export interface SkippedWrite {
  method: string;
  args: unknown[];
}

/**
 * Dry-run as one adapter: every read goes to GitLab, every write is handed to
 * `onWrite` and answered with a stand-in, so the rest of the bot runs as usual
 * and nothing else needs to know about dry-run.
 */
export function withDryRun(port: GitlabPort, onWrite: (write: SkippedWrite) => void): GitlabPort {
  let fakeId = 0;
  const fakeNote = (body: string): Note => ({
    id: -++fakeId,
    body,
    authorId: 0,
    authorUsername: '',
    system: false,
    createdAt: new Date().toISOString(),
  });
  const heldBack: WriteAnswer = { made: false, status: 'dry-run' };
  // Every write method of the port, listed: `satisfies` fails the build if one is missing.
  const writes = {
    async retryJob(projectId, jobId) {
      onWrite({ method: 'retryJob', args: [projectId, jobId] });
      // No new job: the answer is the job as it stands, which says nothing was retried.
      return port.getJob(projectId, jobId);
    },
    async addProjectToJobTokenAllowlist(...args) {
      onWrite({ method: 'addProjectToJobTokenAllowlist', args });
      return heldBack;
    },
    async removeProjectFromJobTokenAllowlist(...args) {
      onWrite({ method: 'removeProjectFromJobTokenAllowlist', args });
      return heldBack;
    },
    async addGroupToJobTokenAllowlist(...args) {
      onWrite({ method: 'addGroupToJobTokenAllowlist', args });
      return heldBack;
    },
    async graphqlAddToJobTokenAllowlist(...args) {
      onWrite({ method: 'graphqlAddToJobTokenAllowlist', args });
      return heldBack;
    },
    async graphqlRemoveFromJobTokenAllowlist(...args) {
      onWrite({ method: 'graphqlRemoveFromJobTokenAllowlist', args });
      return heldBack;
    },
    async updateJobTokenPolicies(...args) {
      onWrite({ method: 'updateJobTokenPolicies', args });
      return heldBack;
    },
    async removeGroupFromJobTokenAllowlist(...args) {
      onWrite({ method: 'removeGroupFromJobTokenAllowlist', args });
      return heldBack;
    },
    async createMergeRequestNote(projectId, iid, body) {
      onWrite({ method: 'createMergeRequestNote', args: [projectId, iid, body] });
      return fakeNote(body);
    },
    async editMergeRequestNote(projectId, iid, noteId, body) {
      onWrite({ method: 'editMergeRequestNote', args: [projectId, iid, noteId, body] });
      return fakeNote(body);
    },
    async createCommitDiscussion(projectId, sha, body) {
      onWrite({ method: 'createCommitDiscussion', args: [projectId, sha, body] });
      return { id: `dry-run-${++fakeId}`, notes: [fakeNote(body)] };
    },
    async replyToCommitDiscussion(projectId, sha, discussionId, body) {
      onWrite({ method: 'replyToCommitDiscussion', args: [projectId, sha, discussionId, body] });
      return fakeNote(body);
    },
    async createIssue(projectId, issue) {
      onWrite({ method: 'createIssue', args: [projectId, issue] });
      return {
        iid: -++fakeId,
        projectId,
        title: issue.title,
        description: issue.description,
        state: 'opened',
        webUrl: '',
        createdAt: new Date().toISOString(),
      };
    },
    async editIssue(projectId, iid, change) {
      onWrite({ method: 'editIssue', args: [projectId, iid, change] });
      return port.getIssue(projectId, iid);
    },
    async addProjectHook(projectId, hook) {
      onWrite({ method: 'addProjectHook', args: [projectId, hook.url] });
      const id = -++fakeId;
      return {
        id,
        url: hook.url,
        jobEvents: true,
        pipelineEvents: true,
        noteEvents: true,
        emojiEvents: true,
      };
    },
    async editProjectHook(projectId, hookId, hook) {
      onWrite({ method: 'editProjectHook', args: [projectId, hookId, hook.url] });
      return {
        id: hookId,
        url: hook.url,
        jobEvents: true,
        pipelineEvents: true,
        noteEvents: true,
        emojiEvents: true,
      };
    },
    async deleteProjectHook(...args) {
      onWrite({ method: 'deleteProjectHook', args });
    },
    async editCommitDiscussionNote(projectId, sha, discussionId, noteId, body) {
      onWrite({
        method: 'editCommitDiscussionNote',
        args: [projectId, sha, discussionId, noteId, body],
      });
      return fakeNote(body);
    },
  } satisfies GitlabWrites;
  return { ...port, ...writes };
}
