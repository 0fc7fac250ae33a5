/**
 * In-memory entities of the simulated GitLab instance.
 *
 * Field names are camelCase here; the HTTP layer (`entities.ts`) renders GitLab's snake_case
 * JSON. Every entity is a plain mutable object so tests can tweak a scenario directly
 * (e.g. `project.containerRegistryAccessLevel = 'disabled'`).
 */

/** Project/group visibility as GitLab names it. */
export type Visibility = 'private' | 'internal' | 'public';

/** `container_registry_access_level` of a project. */
export type RegistryAccessLevel = 'enabled' | 'private' | 'disabled';

/** Job statuses the simulator produces (a subset of GitLab's `CommitStatus` statuses). */
export type JobStatus = 'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled';

/** Pipeline statuses the simulator produces. */
export type PipelineStatus = JobStatus;

/** Pipeline `source` values the simulator accepts. */
export type PipelineSource = 'push' | 'merge_request_event' | 'schedule' | 'web' | 'api';

/** Runner executor whose log wording the job log imitates. */
export type Executor = 'docker' | 'kubernetes';

/** Role numbers: 10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner. */
export type AccessLevel = number;

/** A user account; `admin` users can see and do everything (as with admin mode off). */
export interface User {
  id: number;
  username: string;
  name: string;
  email: string;
  admin: boolean;
  bot: boolean;
  state: 'active' | 'blocked';
  createdAt: Date;
  /** The user's personal namespace (`kind: 'user'`). */
  namespaceId: number;
}

/** A group (`kind: 'group'`); membership is inherited by subgroups and projects. */
export interface Group {
  kind: 'group';
  id: number;
  name: string;
  path: string;
  fullPath: string;
  fullName: string;
  parentId: number | null;
  visibility: Visibility;
  description: string;
  createdAt: Date;
  /** userId → access level (direct membership only). */
  members: Map<number, AccessLevel>;
}

/** A user's personal namespace; its owner has Owner rights on the projects inside. */
export interface UserNamespace {
  kind: 'user';
  id: number;
  name: string;
  path: string;
  fullPath: string;
  fullName: string;
  parentId: null;
  ownerId: number;
  createdAt: Date;
}

/** Anything a project can live in. Group and user namespace ids share one sequence, as in GitLab. */
export type Namespace = Group | UserNamespace;

/** A tag in a registry repository. */
export interface RegistryTag {
  name: string;
  /** Manifest digest, `sha256:<64 hex>`. */
  digest: string;
  revision: string;
  totalSize: number;
  createdAt: Date;
}

/** A container registry repository (one image name) owned by a project. */
export interface RegistryRepository {
  id: number;
  projectId: number;
  /** '' for the project's root image, e.g. 'python3.11/rockylinux9' otherwise. */
  name: string;
  /** `<project full path>[/<name>]`, lowercased like GitLab stores it. */
  path: string;
  createdAt: Date;
  tags: RegistryTag[];
}

/** A commit the simulator knows about (pipelines and MRs register theirs). */
export interface Commit {
  id: string;
  shortId: string;
  title: string;
  message: string;
  authorName: string;
  authorEmail: string;
  createdAt: Date;
  parentIds: string[];
}

/** A project. `jobTokenAllowlist` is the inbound CI_JOB_TOKEN allowlist (projects and groups). */
export interface Project {
  id: number;
  name: string;
  path: string;
  namespaceId: number;
  pathWithNamespace: string;
  nameWithNamespace: string;
  description: string;
  visibility: Visibility;
  defaultBranch: string;
  containerRegistryAccessLevel: RegistryAccessLevel;
  /** "Limit access to this project" (inbound scope); on by default for projects made since 15.9. */
  inboundJobTokenScope: boolean;
  jobTokenAllowlist: { projectIds: number[]; groupIds: number[] };
  /**
   * Fine-grained permissions of allowlist entries (18.3+), by `project:<id>` or `group:<id>`;
   * an entry not listed keeps the default permissions, as REST creates them.
   */
  jobTokenPolicies?: Map<string, { defaultPermissions: boolean; policies: string[] }>;
  createdAt: Date;
  lastActivityAt: Date;
  /** userId → access level (direct membership only). */
  members: Map<number, AccessLevel>;
  registry: RegistryRepository[];
  /** Packages in the project's package registry (npm only, for now). */
  packages: Package[];
  commits: Map<string, Commit>;
  /**
   * Files of the repository's default branch by path (`.gitlab-ci.yml`, `.gitmodules`, included
   * CI files), set with `world.setFile`; every ref reads them, except a pipeline's own SHA.
   */
  files: Map<string, string>;
  /** Issues, oldest first. */
  issues: Issue[];
}

/** An issue. Reactions on the issue itself (not on its notes) are `awards`. */
export interface Issue {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string;
  authorId: number;
  state: 'opened' | 'closed';
  labels: string[];
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  awards: AwardEmoji[];
}

/**
 * One row of the job token authentication log (17.6+): a job of `originProjectId` used its
 * token in `accessedProjectId` and was let in. GitLab keeps one row per pair, updated.
 */
export interface JobTokenAuthorization {
  originProjectId: number;
  accessedProjectId: number;
  lastAuthorizedAt: Date;
}

/** A package version in a project's package registry. */
export interface Package {
  id: number;
  projectId: number;
  type: 'npm';
  /** `@scope/name` for npm. */
  name: string;
  version: string;
  createdAt: Date;
}

/** A merge request. */
export interface MergeRequest {
  id: number;
  iid: number;
  projectId: number;
  title: string;
  description: string;
  sourceBranch: string;
  targetBranch: string;
  authorId: number;
  sha: string;
  state: 'opened' | 'closed' | 'merged' | 'locked';
  createdAt: Date;
  updatedAt: Date;
}

/** An emoji reaction on a note. */
export interface AwardEmoji {
  id: number;
  name: string;
  userId: number;
  createdAt: Date;
  updatedAt: Date;
  awardableId: number;
  awardableType: 'Note' | 'Issue';
}

/** A note (comment) on a merge request or in a commit discussion. */
export interface Note {
  id: number;
  /** `null` for plain MR notes, `'DiscussionNote'` for notes inside a discussion thread. */
  type: null | 'DiscussionNote';
  body: string;
  authorId: number;
  projectId: number;
  noteableType: 'MergeRequest' | 'Commit';
  /** MR global id; `null` for commits (GitLab exposes commit notes with `noteable_id: null`). */
  noteableId: number | null;
  noteableIid: number | null;
  commitSha: string | null;
  discussionId: string;
  system: boolean;
  internal: boolean;
  createdAt: Date;
  updatedAt: Date;
  awards: AwardEmoji[];
}

/** A discussion thread: every note belongs to one (single notes get an individual one). */
export interface Discussion {
  /** 40 hex characters, like GitLab's discussion ids. */
  id: string;
  projectId: number;
  noteableType: 'MergeRequest' | 'Commit';
  noteableIid: number | null;
  commitSha: string | null;
  individualNote: boolean;
  notes: Note[];
}

/**
 * A quick action GitLab would have executed from a note posted through the API: any line
 * starting with `/` followed by a word. The simulator does not execute them; it records them so
 * tests can assert the bot never triggers one.
 */
export interface QuickActionRecord {
  projectId: number;
  noteId: number;
  noteableType: 'MergeRequest' | 'Commit';
  noteableIid: number | null;
  commitSha: string | null;
  /** The word after the slash, e.g. `label`. */
  command: string;
  /** The whole line as posted. */
  line: string;
  /** GitLab skips commands inside fenced code blocks; recorded anyway, flagged here. */
  inCodeBlock: boolean;
}

/** A Git submodule the runner clones with the job token (`GIT_SUBMODULE_STRATEGY: recursive`). */
export interface SubmoduleSpec {
  /** Path in the superproject, e.g. `libs/shared`. */
  path: string;
  /** Full path of the submodule's project on this instance (`platform/shared`). */
  project: string;
  /**
   * Set when the submodule lives on another git host, which refuses the clone
   * and sends this text (git prints it after `remote: `; a server may send
   * anything, `\r` and escape sequences included).
   */
  foreignRefusal?: { host: string; message: string };
}

/** A `needs:project` entry: artifacts of another project's job, fetched by the runner. */
export interface NeedsProjectSpec {
  project: string;
  job: string;
  ref: string;
}

/**
 * A script command that reaches this GitLab with `CI_JOB_TOKEN`. Steps run before the
 * spec's `script` lines; the first failing step ends the script (as `set -e` would).
 */
export type TokenStep =
  /** `git clone https://gitlab-ci-token:${CI_JOB_TOKEN}@<host>/<project>.git`. */
  | { kind: 'git-clone'; project: string }
  /**
   * `npm install <package>` through the project-level endpoint of `registryProject`, or the
   * instance-level endpoint (`/api/v4/packages/npm/`) when it is omitted.
   */
  | { kind: 'npm-install'; package: string; version?: string; registryProject?: string }
  /**
   * `curl --fail-with-body` to `/api/v4/projects/<project>/<endpoint>` with the `JOB-TOKEN` header.
   * `project` is a full path (URL-encoded in the command) or a numeric id.
   */
  | {
      kind: 'curl';
      project: string | number;
      endpoint: string;
      /** Write the URL with `${CI_API_V4_URL}` instead of the instance's address. */
      apiUrlVariable?: boolean;
    };

/** What a CI job does, as far as the simulated runner is concerned. */
export interface JobSpec {
  name: string;
  /** Defaults to `test`, GitLab's default stage. */
  stage?: string;
  image: string;
  services?: string[];
  script?: string[];
  /** Lines the script prints (after the echoed commands). */
  scriptOutput?: string[];
  /** Exit code of the script; default 0. */
  exitCode?: number;
  executor?: Executor;
  /** Prefix every log line with FF_TIMESTAMPS timestamps. */
  timestamps?: boolean;
  allowFailure?: boolean;
  /** Submodules cloned by the runner while getting the sources. */
  submodules?: SubmoduleSpec[];
  /** `needs:project` artifacts downloaded by the runner before the script. */
  needs?: NeedsProjectSpec[];
  /** Script commands that use the job token (run first, in order). */
  tokenSteps?: TokenStep[];
  /** Paths the job uploads as artifacts when it succeeds. */
  artifacts?: string[];
}

/** A pipeline. */
export interface Pipeline {
  id: number;
  iid: number;
  projectId: number;
  sha: string;
  beforeSha: string;
  ref: string;
  tag: boolean;
  source: PipelineSource;
  status: PipelineStatus;
  userId: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** All jobs ever created in the pipeline, including retried ones, oldest first. */
  jobIds: number[];
  /** The `.gitlab-ci.yml` the pipeline ran from (written from the job specs). */
  ciConfig: string;
}

/** What the instance's GraphQL API offers; older GitLab versions lack parts of it. */
export interface GraphqlSettings {
  /** `Query.jobs(statuses:)`: the admin's list of every job of the instance. */
  instanceJobs: boolean;
  /** The `updatedAfter` argument of `Project.pipelines`. */
  pipelinesUpdatedAfter: boolean;
  /** A lower complexity limit than GitLab's 250 (300 for admins), to test how a client copes. */
  maxComplexity?: number;
}

/** The runner every job runs on. */
export interface RunnerInfo {
  id: number;
  description: string;
  /** gitlab-runner version printed in the first log line, e.g. `17.5.3`. */
  version: string;
  revision: string;
  /** Short token shown in `on <description> <token>`, e.g. `t3_xY9zQk2m`. */
  shortToken: string;
  systemId: string;
  hostname: string;
}

/** A CI job. `log` is the raw trace bytes (as a string) the runner sent. */
export interface Job {
  id: number;
  pipelineId: number;
  projectId: number;
  name: string;
  stage: string;
  ref: string;
  spec: JobSpec;
  status: JobStatus;
  /** Only set when `status === 'failed'`. */
  failureReason: string | null;
  userId: number;
  allowFailure: boolean;
  retried: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  queuedDuration: number;
  log: string;
  /** Every image pull the runner attempted, in order (services first, then the job image). */
  pulls: { image: string; decision: PullDecision }[];
  runnerId: number;
}

/** Why a pull was refused. */
export type PullDenialReason =
  | 'no-project'
  | 'registry-disabled'
  | 'user-access'
  | 'job-token-scope'
  | 'not-found'
  | 'docker-hub-missing';

/** A parsed image reference `host[:port]/path[:tag|@digest]`. */
export interface ImageRef {
  raw: string;
  /** Registry host (with port); `docker.io` when the reference names none. */
  host: string;
  /** Whether the reference itself names the host. */
  hostExplicit: boolean;
  /** Repository path as written (Docker Hub single names are NOT expanded here). */
  path: string;
  tag: string | null;
  digest: string | null;
  /** The reference without tag or digest, as Docker prints it in errors. */
  name: string;
}

/** The outcome of a pull, with enough detail for the job log and for tests to assert why. */
export type PullDecision =
  | {
      ok: true;
      registry: 'instance' | 'external';
      image: ImageRef;
      projectId?: number;
      repositoryName?: string;
      /** Manifest digest that was pulled. */
      digest: string;
    }
  | {
      ok: false;
      reason: PullDenialReason;
      registry: 'instance' | 'external';
      image: ImageRef;
      projectId?: number;
      repositoryName?: string;
      /** How the registry answered: an auth denial or a missing manifest. */
      kind: 'denied' | 'manifest-unknown';
      /** The Docker daemon's error text (without the runner's wrapping). */
      message: string;
    };

/** The events a project hook can subscribe to, by the API's parameter names. */
export const HOOK_EVENTS = [
  'push_events',
  'tag_push_events',
  'merge_requests_events',
  'issues_events',
  'confidential_issues_events',
  'note_events',
  'confidential_note_events',
  'job_events',
  'pipeline_events',
  'wiki_page_events',
  'deployment_events',
  'releases_events',
  'emoji_events',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** A project webhook (`/projects/:id/hooks`). */
export interface ProjectHook {
  id: number;
  projectId: number;
  url: string;
  name: string;
  /** Sent as X-Gitlab-Token; never shown by the API. */
  token: string | null;
  enableSslVerification: boolean;
  events: Record<HookEvent, boolean>;
  createdAt: Date;
}

/** What happened in the world that a hook may be told about. */
export type WorldEvent =
  | { kind: 'job'; job: Job }
  | { kind: 'pipeline'; pipeline: Pipeline }
  | { kind: 'note'; note: Note }
  | { kind: 'emoji'; award: AwardEmoji; note: Note; action: 'award' | 'revoke' };
