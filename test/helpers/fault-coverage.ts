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
  /** faults-reverts.test.ts: the same on GitLab 15.10 (GraphQL), failures listed per project. */
  revertGraphql: [
    'listFailedJobs',
    'graphqlJobTokenScope',
    'graphqlAddToJobTokenAllowlist',
    'graphqlRemoveFromJobTokenAllowlist',
  ],
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
  /** faults-lookups.test.ts: an admin's instance-wide discovery, a package and a project searched. */
  lookups: ['listInstanceFailedJobs', 'listPackages', 'searchProjects'],
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
