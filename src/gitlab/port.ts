/**
 * What the bot needs from GitLab, in its own words. Only `client.ts`
 * implements it with HTTP (REST areas in `rest-*.ts`, GraphQL in
 * `graphql.ts`, all through `request.ts`); tests and dry-run wrap it. Every method throws
 * the errors of `../errors.ts`: GitlabTransientError (try later),
 * GitlabAuthError (setup problem), GitlabNotFoundError (absent or hidden:
 * GitLab answers 404 for both), GitlabRequestError (anything else).
 */

export interface GitlabUser {
  id: number;
  username: string;
  name: string;
  bot?: boolean;
  /** An instance admin (GitLab says so only to admins, about themselves). */
  isAdmin?: boolean;
}

export interface ProjectRef {
  id: number;
  pathWithNamespace: string;
  webUrl: string;
}

export interface Project extends ProjectRef {
  name: string;
  visibility: 'private' | 'internal' | 'public';
  namespace: { id: number; fullPath: string; kind: string };
  /** `<registry host>/<path>`, absent when the registry is off or hidden from the caller. */
  containerRegistryImagePrefix?: string;
  containerRegistryAccessLevel?: 'enabled' | 'private' | 'disabled';
  /** The caller's own access level in the project (0 when only visible). */
  callerAccessLevel: number;
}

export interface PipelineRef {
  id: number;
  iid?: number;
  projectId: number;
  ref: string;
  sha: string;
  source?: string;
  status?: string;
  webUrl?: string;
}

export interface Job {
  id: number;
  name: string;
  stage: string;
  status: string;
  failureReason?: string;
  webUrl: string;
  ref: string;
  createdAt: string;
  finishedAt?: string;
  pipeline: PipelineRef;
  /** The user whose rights the job token carried. */
  user?: GitlabUser;
  allowFailure: boolean;
}

export interface JobTokenScope {
  inboundEnabled: boolean;
  outboundEnabled?: boolean;
}

export interface GroupRef {
  id: number;
  fullPath: string;
  webUrl?: string;
  /** Set where GitLab says it (`GET /groups/:id`; allowlist listings omit it). */
  visibility?: 'private' | 'internal' | 'public';
  /** The parent group's id, null for a top-level group (only `getGroup` says). */
  parentId?: number | null;
}

export interface Member {
  userId: number;
  username: string;
  accessLevel: number;
}

export interface RegistryRepository {
  id: number;
  /** Path below the project ('' for the project's root image). */
  name: string;
  /** Full path without host. */
  path: string;
  location: string;
  tagsCount?: number;
}

export interface MergeRequest {
  iid: number;
  projectId: number;
  title: string;
  sourceBranch: string;
  state: string;
  webUrl: string;
  authorId?: number;
}

export interface Note {
  id: number;
  body: string;
  authorId: number;
  authorUsername: string;
  system: boolean;
  createdAt: string;
  updatedAt?: string;
}

export interface CommitDiscussion {
  id: string;
  notes: Note[];
}

export interface AwardEmoji {
  id: number;
  name: string;
  userId: number;
  username: string;
  createdAt: string;
}

export interface PackageInfo {
  name: string;
  version: string;
  packageType: string;
  /** Set on group listings: the project that holds the package. */
  projectId?: number;
}

/** `GET /projects/:id/ci/lint` of the default branch. */
export interface CiLint {
  valid: boolean;
  errors: string[];
  /** The configuration with `include:` and `extends:` applied; absent when it could not be built. */
  mergedYaml?: string;
}

/** One row of a project's job token authentication log (17.6+). */
export interface AuthLogEntry {
  originPath: string;
  lastAuthorizedAt: string;
}

export interface Issue {
  iid: number;
  projectId: number;
  title: string;
  description: string;
  state: 'opened' | 'closed';
  webUrl: string;
  authorId?: number;
  createdAt: string;
}

export interface InstanceVersion {
  version: string;
  revision?: string;
}

/** A failed job as a listing finds it: enough to queue it; the worker reads the rest. */
export interface FailedJobRef {
  id: number;
  projectId: number;
  pipelineId: number;
  createdAt: string;
  finishedAt?: string;
}

/** One page of a GraphQL connection. */
export interface GraphqlPage<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor?: string;
}

/** What the instance's GraphQL API offers for finding failures (learnt by introspection). */
export interface DiscoveryFeatures {
  /** `Query.jobs(statuses:)`: every failed job of the instance in one list (admins only). */
  instanceJobs: boolean;
  /** `projects(ids:)` → `pipelines(updatedAfter:)` → `jobs(statuses:)`. */
  failedPipelines: boolean;
  /** The highest complexity the bot's queries may have (GitLab: 250, 300 for admins). */
  maxComplexity: number;
}

/** How much one query for the failed jobs of many projects asks for. */
export interface FailedPipelinesPlan {
  /** Projects per query (GitLab pages at 100). */
  projects: number;
  /** Updated pipelines per project; more are asked for with `pipelinesAfter`. */
  pipelines: number;
  /** Failed jobs per pipeline; `moreJobs` says when a pipeline has more. */
  jobs: number;
}

/** One project's pipelines updated after a time that have failed jobs, with those jobs. */
export interface ProjectFailures {
  projectId: number;
  pipelines: { id: number; jobs: FailedJobRef[]; moreJobs: boolean }[];
  /** Set when the project has more such pipelines: the cursor to ask for them. */
  morePipelines?: string;
}

/** One entry of a project's job token allowlist with its fine-grained permissions (18.3+). */
export interface JobTokenEntry {
  kind: 'project' | 'group';
  /** The allowed project's or group's full path. */
  path: string;
  /** True: the default permissions (everything the user may do); false: only `policies`. */
  defaultPermissions: boolean;
  /** GitLab's policy names, lower case (`read_releases`). */
  policies: string[];
}

/** A project webhook, with the events the bot needs. */
export interface ProjectHook {
  id: number;
  url: string;
  jobEvents: boolean;
  pipelineEvents: boolean;
  noteEvents: boolean;
  emojiEvents: boolean;
}

/** The hook the bot asks for: job, pipeline, comment and emoji events, with its secret. */
export interface BotHookInput {
  url: string;
  token: string;
}

/**
 * What an allowlist write answered: GitLab's status, or that the dry-run
 * adapter held it back. Only `made` means GitLab now holds the change.
 */
export type WriteAnswer =
  { made: true; status: '200' | '201' | '204' } | { made: false; status: 'dry-run' };

export interface GitlabPort {
  /** The instance's address, for links. */
  readonly baseUrl: string;
  /** The bot's own account (to skip its notes and reactions). */
  currentUser(): Promise<GitlabUser>;
  version(): Promise<InstanceVersion>;

  /** Projects the bot is at least Reporter (or `minAccessLevel`) in. */
  listMemberProjects(options?: { minAccessLevel?: number }): Promise<ProjectRef[]>;
  /** Projects of a group and its subgroups. */
  listGroupProjects(groupPath: string): Promise<ProjectRef[]>;
  /** By numeric id or full path (case-insensitive); GitlabNotFoundError when absent or hidden. */
  getProject(idOrPath: number | string): Promise<Project>;
  /**
   * One page (at most 50) of the projects the bot can see whose name, path, full path or full
   * name contains `text` (GitLab's `search` with `search_namespaces=true`).
   */
  searchProjects(text: string): Promise<Project[]>;

  /** One bounded page of failed jobs, newest first. */
  listFailedJobs(projectId: number, options: { perPage: number; page: number }): Promise<Job[]>;
  /** What GraphQL offers for finding failures (one introspection query). */
  discoveryFeatures(): Promise<DiscoveryFeatures>;
  /**
   * One page of the instance's failed jobs, newest first. Admins only: GitLab
   * answers anyone else with an empty list.
   */
  listInstanceFailedJobs(page: {
    first: number;
    after?: string;
  }): Promise<GraphqlPage<FailedJobRef>>;
  /**
   * The failed jobs of the pipelines updated after `updatedAfter` in each
   * project, whatever the pipeline's status, in one GraphQL query;
   * GitlabQueryTooComplexError when GitLab finds the plan too big.
   * `pipelinesAfter` continues one project's list.
   */
  listPipelineFailures(
    projectIds: readonly number[],
    query: { updatedAfter: string; plan: FailedPipelinesPlan; pipelinesAfter?: string },
  ): Promise<ProjectFailures[]>;
  getJob(projectId: number, jobId: number): Promise<Job>;
  /** The raw log, cut to its first and last `maxBytes / 2` when larger. */
  getJobLog(projectId: number, jobId: number, maxBytes: number): Promise<string>;
  getPipeline(projectId: number, pipelineId: number): Promise<PipelineRef>;
  listPipelineJobs(projectId: number, pipelineId: number): Promise<Job[]>;
  retryJob(projectId: number, jobId: number): Promise<Job>;

  /** GitlabNotFoundError on instances before 16.0 (GraphQL only there). Needs Maintainer. */
  getJobTokenScope(projectId: number): Promise<JobTokenScope>;
  listJobTokenAllowlist(projectId: number): Promise<ProjectRef[]>;
  /** GitlabNotFoundError on instances without group entries (before 17.x). */
  listJobTokenGroupAllowlist(projectId: number): Promise<GroupRef[]>;
  addProjectToJobTokenAllowlist(projectId: number, targetProjectId: number): Promise<WriteAnswer>;
  removeProjectFromJobTokenAllowlist(
    projectId: number,
    targetProjectId: number,
  ): Promise<WriteAnswer>;
  addGroupToJobTokenAllowlist(projectId: number, groupId: number): Promise<WriteAnswer>;
  removeGroupFromJobTokenAllowlist(projectId: number, groupId: number): Promise<WriteAnswer>;

  /**
   * GitLab 15.9 to 15.11 have the inbound allowlist but no REST API for it:
   * the same through GraphQL, by full paths. Needs Maintainer on the project.
   */
  graphqlJobTokenScope(projectPath: string): Promise<JobTokenScope & { allowlist: string[] }>;
  graphqlAddToJobTokenAllowlist(
    projectPath: string,
    targetProjectPath: string,
  ): Promise<WriteAnswer>;
  graphqlRemoveFromJobTokenAllowlist(
    projectPath: string,
    targetProjectPath: string,
  ): Promise<WriteAnswer>;

  /**
   * The allowlist entries with their permissions (GraphQL, 18.3+). Needs Maintainer
   * (GitlabAuthError); GitlabNotFoundError before 18.3.
   */
  listJobTokenEntries(projectPath: string): Promise<JobTokenEntry[]>;
  /** Sets one entry's permissions (GraphQL `ciJobTokenScopeUpdatePolicies`). Needs Maintainer. */
  updateJobTokenPolicies(
    projectPath: string,
    targetPath: string,
    change: { defaultPermissions: boolean; policies: string[] },
  ): Promise<WriteAnswer>;

  /** Effective membership, inherited included; undefined when not a member. */
  getMember(projectId: number, userId: number): Promise<Member | undefined>;
  listMembers(projectId: number): Promise<Member[]>;
  getGroup(idOrPath: number | string): Promise<GroupRef>;

  listRegistryRepositories(projectId: number): Promise<RegistryRepository[]>;
  listRegistryTags(projectId: number, repositoryId: number): Promise<string[]>;

  /** Packages of a project, or of every project in a group, by (partial) name. */
  listPackages(
    where: { projectId: number } | { groupPath: string },
    filter: { name: string; type?: 'npm' | 'maven' | 'pypi' | 'generic' },
  ): Promise<PackageInfo[]>;

  /** A file of the repository at a ref (e.g. the pipeline's `.gitlab-ci.yml`). */
  getRawFile(projectId: number, filePath: string, ref: string): Promise<string>;

  getMergeRequest(projectId: number, iid: number): Promise<MergeRequest>;
  listMergeRequestsForCommit(projectId: number, sha: string): Promise<MergeRequest[]>;
  listOpenMergeRequestsForBranch(projectId: number, branch: string): Promise<MergeRequest[]>;

  listMergeRequestNotes(projectId: number, iid: number): Promise<Note[]>;
  createMergeRequestNote(projectId: number, iid: number, body: string): Promise<Note>;
  editMergeRequestNote(projectId: number, iid: number, noteId: number, body: string): Promise<Note>;

  /** Reactions on one merge request note (GitLab has none for commit notes). */
  listNoteAwardEmoji(projectId: number, iid: number, noteId: number): Promise<AwardEmoji[]>;

  /** The newest pipeline for a ref, to tell whether a pipeline is still the latest. */
  latestPipeline(projectId: number, ref: string): Promise<PipelineRef | undefined>;

  /** Needs Maintainer on the project. */
  listProjectHooks(projectId: number): Promise<ProjectHook[]>;
  addProjectHook(projectId: number, hook: BotHookInput): Promise<ProjectHook>;
  editProjectHook(projectId: number, hookId: number, hook: BotHookInput): Promise<ProjectHook>;
  deleteProjectHook(projectId: number, hookId: number): Promise<void>;

  listCommitDiscussions(projectId: number, sha: string): Promise<CommitDiscussion[]>;
  replyToCommitDiscussion(
    projectId: number,
    sha: string,
    discussionId: string,
    body: string,
  ): Promise<Note>;
  createCommitDiscussion(projectId: number, sha: string, body: string): Promise<CommitDiscussion>;
  editCommitDiscussionNote(
    projectId: number,
    sha: string,
    discussionId: string,
    noteId: number,
    body: string,
  ): Promise<Note>;

  /** The default branch's CI configuration as GitLab expands it. Needs Reporter. */
  lintCiConfig(projectId: number): Promise<CiLint>;
  /**
   * Who used their job token in this project (its authentication log, 17.6+). Needs
   * Maintainer (GitlabAuthError); GitlabNotFoundError before 17.6.
   */
  listJobTokenAuthLog(projectPath: string): Promise<AuthLogEntry[]>;
  /** Effective group membership, inherited included; undefined when not a member. */
  getGroupMember(groupPath: string, userId: number): Promise<Member | undefined>;

  createIssue(
    projectId: number,
    issue: { title: string; description: string; labels?: string[] },
  ): Promise<Issue>;
  getIssue(projectId: number, iid: number): Promise<Issue>;
  /** The open issues `authorId` opened in the project, newest first. */
  listOpenIssuesBy(projectId: number, authorId: number): Promise<Issue[]>;
  /** Changes the description and/or closes the issue. */
  editIssue(
    projectId: number,
    iid: number,
    change: { description?: string; close?: boolean },
  ): Promise<Issue>;
  /** Reactions on the issue itself. */
  listIssueAwardEmoji(projectId: number, iid: number): Promise<AwardEmoji[]>;
}

/** The port's methods that change something in GitLab: dry-run skips exactly these. */
export type GitlabWriteMethod =
  | 'retryJob'
  | 'addProjectToJobTokenAllowlist'
  | 'removeProjectFromJobTokenAllowlist'
  | 'addGroupToJobTokenAllowlist'
  | 'removeGroupFromJobTokenAllowlist'
  | 'graphqlAddToJobTokenAllowlist'
  | 'graphqlRemoveFromJobTokenAllowlist'
  | 'updateJobTokenPolicies'
  | 'createMergeRequestNote'
  | 'editMergeRequestNote'
  | 'replyToCommitDiscussion'
  | 'createCommitDiscussion'
  | 'editCommitDiscussionNote'
  | 'createIssue'
  | 'editIssue'
  | 'addProjectHook'
  | 'editProjectHook'
  | 'deleteProjectHook';

export type GitlabWrites = Pick<GitlabPort, GitlabWriteMethod>;

/**
 * A method named like a write (add…, remove…, create…, edit…, retry…,
 * reply…, delete…, update…, set…, graphqlAdd…, graphqlRemove…) must be
 * listed above: otherwise this does not compile, and a new write cannot slip
 * past dry-run.
 */
type WriteShaped = Extract<
  keyof GitlabPort,
  `${'add' | 'remove' | 'create' | 'edit' | 'retry' | 'reply' | 'delete' | 'update' | 'set' | 'graphqlAdd' | 'graphqlRemove'}${string}`
>;
export const EVERY_WRITE_LISTED: [Exclude<WriteShaped, GitlabWriteMethod>] extends [never]
  ? true
  : Exclude<WriteShaped, GitlabWriteMethod> = true;
