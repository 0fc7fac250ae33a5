import { expect } from 'vitest';
import type { GitlabPort } from '../../src/gitlab/port.js';

/** A method of the GitLab port. */
export type PortMethod = Exclude<keyof GitlabPort, 'baseUrl'>;

/**
 * The port methods whose requests meet a fault in each fault story, under every kind of fault
 * (a job log is text: `getJobLog` meets no malformed JSON). Each story checks its own list against
 * the requests the simulator faulted, as each request named the port method that made it
 * (`RecordedRequest.call`); test/gitlab/fault-coverage.test.ts checks that the lists and
 * `NOT_INJECTED` together name every method of the port.
 */
export const FAULTED_CALLS = {
  /** faults.test.ts: the crash world's five merge requests, three fixes approved. */
  crashWorld: [
    'currentUser',
    'version',
    'discoveryFeatures',
    'listPipelineFailures',
    'getProject',
    'getJob',
    'getJobLog',
    'getMember',
    'getJobTokenScope',
    'listJobTokenAllowlist',
    'listJobTokenGroupAllowlist',
    'listRegistryRepositories',
    'listRegistryTags',
    'getMergeRequest',
    'listMergeRequestNotes',
    'createMergeRequestNote',
    'editMergeRequestNote',
    'listNoteAwardEmoji',
    'latestPipeline',
    'listPipelineJobs',
    'addProjectToJobTokenAllowlist',
    'retryJob',
  ],
  /** faults.test.ts: GitLab 18.3, one permission granted. */
  permissions: ['listJobTokenEntries', 'updateJobTokenPolicies'],
  /** faults-discussions.test.ts: a branch pipeline, its commit discussion, `apply group`. */
  commitDiscussion: [
    'listMergeRequestsForCommit',
    'listOpenMergeRequestsForBranch',
    'listCommitDiscussions',
    'createCommitDiscussion',
    'replyToCommitDiscussion',
    'editCommitDiscussionNote',
    'getGroup',
    'getGroupMember',
    'addGroupToJobTokenAllowlist',
  ],
  /** faults-reverts.test.ts: a project entry, then a group entry, reverted on request. */
  revertProject: ['addProjectToJobTokenAllowlist', 'removeProjectFromJobTokenAllowlist'],
  revertGroup: ['addGroupToJobTokenAllowlist', 'removeGroupFromJobTokenAllowlist'],
  /** faults-webhooks.test.ts: the seed story told by GitLab's webhooks, a 👍 by its Emoji Hook. */
  webhooks: [
    'currentUser',
    'getJob',
    'getJobLog',
    'listMergeRequestNotes',
    'createMergeRequestNote',
    'listNoteAwardEmoji',
    'addProjectToJobTokenAllowlist',
    'retryJob',
  ],
  /** faults-hooks.test.ts: `hooks install|status|remove`. */
  hooks: [
    'getProject',
    'listProjectHooks',
    'addProjectHook',
    'editProjectHook',
    'deleteProjectHook',
  ],
  /** faults-audit.test.ts: the audit, its issues, their acceptance. */
  audit: [
    'version',
    'listGroupProjects',
    'listMemberProjects',
    'getProject',
    'lintCiConfig',
    'getRawFile',
    'listJobTokenAuthLog',
    'getJobTokenScope',
    'listJobTokenAllowlist',
    'listJobTokenGroupAllowlist',
    'getGroup',
    'getMember',
    'getGroupMember',
    'listOpenIssuesBy',
    'createIssue',
    'getIssue',
    'editIssue',
    'listIssueAwardEmoji',
    'addProjectToJobTokenAllowlist',
    'addGroupToJobTokenAllowlist',
  ],
} satisfies Record<string, PortMethod[]>;

/**
 * Port methods no fault story injects faults into, each with the reason. A method leaves this
 * list when a story covers it (the coverage test fails while it is in both).
 */
export const NOT_INJECTED: Partial<Record<PortMethod, string>> = {
  // Nothing in src calls these two (the coverage test checks it).
  getPipeline: 'no caller',
  listMembers: 'no caller',
  // Reachable in `run`, not injected yet.
  searchProjects: 'run: the "did you mean" search for a project a job names that is not found',
  listPackages: 'run: a package a job could not fetch',
  listFailedJobs: 'run: discovery in per-project mode',
  listInstanceFailedJobs: 'run: discovery in instance mode (an admin token)',
  graphqlJobTokenScope: 'run: GitLab 15.9 to 15.11 (the allowlist through GraphQL only)',
  graphqlAddToJobTokenAllowlist: 'run: GitLab 15.9 to 15.11',
  graphqlRemoveFromJobTokenAllowlist: 'run: GitLab 15.9 to 15.11',
};

/** Checks a run's faulted port methods against the story's list. */
export function expectFaultedCalls(
  calls: Set<string>,
  story: keyof typeof FAULTED_CALLS,
  fault: string,
): void {
  const wanted: string[] = FAULTED_CALLS[story].filter(
    (m) => fault !== 'malformed JSON' || m !== 'getJobLog',
  );
  expect([...calls]).toEqual(expect.arrayContaining(wanted));
}
