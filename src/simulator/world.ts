/**
 * The simulated GitLab instance's state and the mutations tests use to build scenarios
 * without HTTP. The HTTP layer reads and mutates the same object, so a test can seed a world,
 * let the bot act through the API, then assert on the world.
 */
import { manifestDigest, newPersonalAccessToken, randomHex40, sha256Hex } from './ids.js';
import type { AccessView } from './rules.js';
import { dockerHubKey, evaluatePull, parseImageRef, versionAtLeast } from './rules.js';
import { executeJob, refreshPipelineStatus } from './ci.js';
import { ciConfigOf } from './ci-config.js';
import { extractQuickActions } from './quick-actions.js';
import { createOAuthState, type OAuthState } from './oauth.js';
import type {
  AccessLevel,
  AwardEmoji,
  Commit,
  Discussion,
  GraphqlSettings,
  Group,
  Job,
  JobSpec,
  JobTokenAuthorization,
  MergeRequest,
  Namespace,
  Note,
  Package,
  Pipeline,
  PipelineSource,
  Project,
  ProjectHook,
  PullDecision,
  QuickActionRecord,
  RegistryAccessLevel,
  RegistryRepository,
  RunnerInfo,
  User,
  UserNamespace,
  Visibility,
  WorldEvent,
} from './types.js';

/** Instance settings for `createWorld`. */
export interface WorldInit {
  /** GitLab version, default `17.5.0`. */
  version?: string;
  /** Registry host (may include a port), default `gitlab-registry.example.org`. */
  registryHost?: string;
  /** GitLab's external URL used in `web_url`s, default `https://gitlab.example.org`. */
  externalUrl?: string;
  /** The 18.0 admin setting; when omitted it follows the version (on from 18.0). */
  enforceJobTokenAllowlist?: boolean;
  /** Clock for timestamps; default `() => new Date()`. */
  now?: () => Date;
  /** Overrides for the runner printed in job logs. */
  runner?: Partial<RunnerInfo>;
}

/** Input of `World.addUser`. */
export interface NewUser {
  username: string;
  name?: string;
  email?: string;
  admin?: boolean;
  bot?: boolean;
}

/** Input of `World.addGroup`. */
export interface NewGroup {
  path: string;
  parentId?: number;
  name?: string;
  visibility?: Visibility;
  description?: string;
}

/** Input of `World.addProject`. */
export interface NewProject {
  path: string;
  namespaceId: number;
  name?: string;
  description?: string;
  visibility?: Visibility;
  containerRegistryAccessLevel?: RegistryAccessLevel;
  /** Default true, as for every project created since GitLab 15.9. */
  inboundJobTokenScope?: boolean;
  defaultBranch?: string;
  createdAt?: Date | string;
}

/** Input of `World.addMergeRequest`. */
export interface NewMergeRequest {
  projectId: number;
  iid?: number;
  sourceBranch: string;
  targetBranch?: string;
  title: string;
  description?: string;
  authorId: number;
  sha: string;
}

/** Input of `World.runPipeline`. */
export interface RunPipelineInput {
  projectId: number;
  /** A branch (`main`) or an MR ref (`refs/merge-requests/7/head`). */
  ref: string;
  /** Defaults to the MR's head SHA for MR refs, a random SHA otherwise. */
  sha?: string;
  userId: number;
  /** Defaults to `merge_request_event` for MR refs, `push` otherwise. */
  source?: PipelineSource;
  jobs: JobSpec[];
}

const MR_REF = /^refs\/merge-requests\/(?<iid>\d+)\/(?:head|merge|train)$/;

/**
 * The simulated instance. Collections are public arrays (oldest first) so tests can inspect and
 * tweak them; use the methods to create entities so ids and invariants stay right.
 *
 * @example
 * const world = createWorld({ version: '17.5.0' });
 * const alice = world.addUser({ username: 'alice' });
 * const team = world.addGroup({ path: 'team' });
 * const app = world.addProject({ path: 'app', namespaceId: team.id });
 * world.addMember(app, alice.id, 30);
 * world.runPipeline({ projectId: app.id, ref: 'main', userId: alice.id,
 *   jobs: [{ name: 'build', image: 'alpine:3.20', script: ['make'] }] });
 */
export class World implements AccessView {
  /** GitLab version reported by `/version` and used for feature gates (e.g. 16.0 REST scope API). */
  version: string;
  /** Host[:port] of the instance container registry. */
  registryHost: string;
  /** External URL for `web_url`s, without trailing slash. */
  externalUrl: string;
  /** The runner every job runs on. */
  readonly runner: RunnerInfo;
  /** What the GraphQL API offers (all of it by default). */
  readonly graphql: GraphqlSettings = { instanceJobs: true, pipelinesUpdatedAfter: true };

  readonly users: User[] = [];
  readonly groups: Group[] = [];
  readonly userNamespaces: UserNamespace[] = [];
  readonly projects: Project[] = [];
  readonly mergeRequests: MergeRequest[] = [];
  readonly pipelines: Pipeline[] = [];
  readonly jobs: Job[] = [];
  readonly notes: Note[] = [];
  readonly discussions: Discussion[] = [];
  /** Quick actions GitLab would have run from API-posted notes (see `QuickActionRecord`). */
  readonly quickActionsRun: QuickActionRecord[] = [];
  /** Images on registries other than the instance's: `dockerHubKey` → tags. */
  readonly externalImages = new Map<string, Set<string>>();
  /** token → user id. */
  readonly tokens = new Map<string, number>();
  /** The job token authentication log (kept from 17.6, as GitLab does). */
  readonly jobTokenAuthLog: JobTokenAuthorization[] = [];
  /** OAuth applications, sign-in passwords, grants and OAuth access tokens. */
  readonly oauth: OAuthState = createOAuthState();
  readonly hooks: ProjectHook[] = [];
  /**
   * Admin setting "Allow requests to the local network from webhooks and
   * integrations": off by default, as in GitLab, so a hook to a private or
   * loopback address is refused until an admin turns it on.
   */
  allowLocalNetworkHooks = false;
  private readonly listeners = new Set<(event: WorldEvent) => void>();

  private enforceOverride: boolean | undefined;
  private readonly clock: () => Date;
  // Distinct starting points make id mix-ups (project id passed as group id…) visible in tests.
  private readonly nextId = {
    user: 1,
    namespace: 100,
    project: 200,
    mergeRequest: 300,
    registry: 400,
    pipeline: 500,
    job: 1000,
    note: 2000,
    award: 3000,
    package: 4000,
    issue: 5000,
    hook: 6000,
  };

  constructor(init: WorldInit = {}) {
    this.version = init.version ?? '17.5.0';
    this.registryHost = init.registryHost ?? 'gitlab-registry.example.org';
    this.externalUrl = (init.externalUrl ?? 'https://gitlab.example.org').replace(/\/+$/, '');
    this.enforceOverride = init.enforceJobTokenAllowlist;
    this.clock = init.now ?? (() => new Date());
    this.runner = {
      id: 1,
      description: 'shared-docker-runner',
      version: '17.5.3',
      revision: '12030cf4',
      shortToken: 't3_xY9zQk2m',
      systemId: 's_4b5c6d7e8f90',
      hostname: 'ci-runner-01',
      ...init.runner,
    };
  }

  /**
   * Admin setting "Enable and enforce job token allowlist for all projects". Unless set
   * explicitly it follows the version: on from 18.0 (the upgrade migration turns it on).
   * Assign `undefined` to follow the version again.
   */
  get enforceJobTokenAllowlist(): boolean {
    return this.enforceOverride ?? versionAtLeast(this.version, '18.0.0');
  }

  set enforceJobTokenAllowlist(value: boolean | undefined) {
    this.enforceOverride = value;
  }

  /** Current time from the world's clock. */
  now(): Date {
    return this.clock();
  }

  // ---------------------------------------------------------------- lookups

  user(id: number): User | undefined {
    return this.users.find((u) => u.id === id);
  }

  userByUsername(username: string): User | undefined {
    const wanted = username.toLowerCase();
    return this.users.find((u) => u.username.toLowerCase() === wanted);
  }

  /** The user a personal access token belongs to. */
  userByToken(token: string): User | undefined {
    const id = this.tokens.get(token);
    return id === undefined ? undefined : this.user(id);
  }

  group(id: number): Group | undefined {
    return this.groups.find((g) => g.id === id);
  }

  /** Group by full path, case-insensitive. */
  groupByPath(fullPath: string): Group | undefined {
    const wanted = fullPath.toLowerCase();
    return this.groups.find((g) => g.fullPath.toLowerCase() === wanted);
  }

  namespace(id: number): Namespace | undefined {
    return this.group(id) ?? this.userNamespaces.find((n) => n.id === id);
  }

  project(id: number): Project | undefined {
    return this.projects.find((p) => p.id === id);
  }

  /** Project by full path, case-insensitive (as GitLab's routes). */
  projectByPath(fullPath: string): Project | undefined {
    const wanted = fullPath.toLowerCase();
    return this.projects.find((p) => p.pathWithNamespace.toLowerCase() === wanted);
  }

  mergeRequest(projectId: number, iid: number): MergeRequest | undefined {
    return this.mergeRequests.find((m) => m.projectId === projectId && m.iid === iid);
  }

  pipeline(id: number): Pipeline | undefined {
    return this.pipelines.find((p) => p.id === id);
  }

  job(id: number): Job | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  note(id: number): Note | undefined {
    return this.notes.find((n) => n.id === id);
  }

  externalImageTags(key: string): ReadonlySet<string> | undefined {
    return this.externalImages.get(key);
  }

  /** Notes on an MR, oldest first. */
  notesOn(projectId: number, mrIid: number): Note[] {
    return this.notes.filter(
      (n) =>
        n.projectId === projectId && n.noteableType === 'MergeRequest' && n.noteableIid === mrIid,
    );
  }

  /** Discussions on a commit, oldest first. */
  commitDiscussions(projectId: number, sha: string): Discussion[] {
    return this.discussions.filter(
      (d) => d.projectId === projectId && d.noteableType === 'Commit' && d.commitSha === sha,
    );
  }

  /** Jobs of a pipeline, oldest first; retried ones only with `includeRetried`. */
  jobsOf(pipelineId: number, includeRetried = false): Job[] {
    return this.jobs.filter((j) => j.pipelineId === pipelineId && (includeRetried || !j.retried));
  }

  /** Whether a job of `projectId` started by `userId` could pull `image` right now, and why not. */
  evaluatePull(projectId: number, userId: number, image: string): PullDecision {
    return evaluatePull(this, { projectId, userId, image }, (key, tag) => manifestDigest(key, tag));
  }

  // ---------------------------------------------------------------- users and namespaces

  /** Adds a user (and their personal namespace). */
  addUser(input: NewUser): User {
    if (this.userByUsername(input.username)) {
      throw new Error(`username ${input.username} is taken`);
    }
    const createdAt = this.now();
    const namespace: UserNamespace = {
      kind: 'user',
      id: this.nextId.namespace++,
      name: input.name ?? input.username,
      path: input.username,
      fullPath: input.username,
      fullName: input.name ?? input.username,
      parentId: null,
      ownerId: 0,
      createdAt,
    };
    const user: User = {
      id: this.nextId.user++,
      username: input.username,
      name: input.name ?? input.username,
      email: input.email ?? `${input.username}@example.org`,
      admin: input.admin ?? false,
      bot: input.bot ?? false,
      state: 'active',
      createdAt,
      namespaceId: namespace.id,
    };
    namespace.ownerId = user.id;
    this.userNamespaces.push(namespace);
    this.users.push(user);
    return user;
  }

  /** Issues a personal access token (`glpat-…`) for a user. */
  issueToken(userId: number): string {
    this.requireUser(userId);
    const token = newPersonalAccessToken();
    this.tokens.set(token, userId);
    return token;
  }

  /** Adds a group, optionally below `parentId`. */
  addGroup(input: NewGroup): Group {
    const parent = input.parentId === undefined ? undefined : this.group(input.parentId);
    if (input.parentId !== undefined && !parent) throw new Error(`no group ${input.parentId}`);
    const name = input.name ?? input.path;
    const fullPath = parent ? `${parent.fullPath}/${input.path}` : input.path;
    if (this.groupByPath(fullPath) || this.projectByPath(fullPath)) {
      throw new Error(`path ${fullPath} is taken`);
    }
    const group: Group = {
      kind: 'group',
      id: this.nextId.namespace++,
      name,
      path: input.path,
      fullPath,
      fullName: parent ? `${parent.fullName} / ${name}` : name,
      parentId: parent?.id ?? null,
      visibility: input.visibility ?? 'private',
      description: input.description ?? '',
      createdAt: this.now(),
      members: new Map(),
    };
    this.groups.push(group);
    return group;
  }

  /** Adds a project in a group or a user's namespace. */
  addProject(input: NewProject): Project {
    const namespace = this.namespace(input.namespaceId);
    if (!namespace) throw new Error(`no namespace ${input.namespaceId}`);
    const name = input.name ?? input.path;
    const pathWithNamespace = `${namespace.fullPath}/${input.path}`;
    if (this.projectByPath(pathWithNamespace) || this.groupByPath(pathWithNamespace)) {
      throw new Error(`path ${pathWithNamespace} is taken`);
    }
    const createdAt = input.createdAt === undefined ? this.now() : new Date(input.createdAt);
    const project: Project = {
      id: this.nextId.project++,
      name,
      path: input.path,
      namespaceId: namespace.id,
      pathWithNamespace,
      nameWithNamespace: `${namespace.fullName} / ${name}`,
      description: input.description ?? '',
      visibility: input.visibility ?? 'private',
      defaultBranch: input.defaultBranch ?? 'main',
      containerRegistryAccessLevel: input.containerRegistryAccessLevel ?? 'enabled',
      inboundJobTokenScope: input.inboundJobTokenScope ?? true,
      jobTokenAllowlist: { projectIds: [], groupIds: [] },
      createdAt,
      lastActivityAt: createdAt,
      members: new Map(),
      registry: [],
      packages: [],
      commits: new Map(),
      files: new Map(),
      issues: [],
    };
    this.projects.push(project);
    return project;
  }

  /** Moves a project into another namespace, as GitLab's transfer does: its path moves with it. */
  transferProject(projectId: number, namespaceId: number): Project {
    const project = this.requireProject(projectId);
    const namespace = this.namespace(namespaceId);
    if (!namespace) throw new Error(`no namespace ${namespaceId}`);
    const pathWithNamespace = `${namespace.fullPath}/${project.path}`;
    if (this.projectByPath(pathWithNamespace) || this.groupByPath(pathWithNamespace)) {
      throw new Error(`path ${pathWithNamespace} is taken`);
    }
    project.namespaceId = namespace.id;
    project.pathWithNamespace = pathWithNamespace;
    project.nameWithNamespace = `${namespace.fullName} / ${project.name}`;
    return project;
  }

  /** Sets a direct membership (10 Guest … 50 Owner) on a project or group. */
  addMember(target: Project | Group | number, userId: number, accessLevel: AccessLevel): void {
    this.requireUser(userId);
    const entity =
      typeof target === 'number' ? (this.project(target) ?? this.group(target)) : target;
    if (!entity) throw new Error(`no project or group ${String(target)}`);
    entity.members.set(userId, accessLevel);
  }

  // ---------------------------------------------------------------- registries

  /**
   * Publishes tags of a registry repository of a project (`''` = the root image). Tags are
   * merged into an existing repository.
   */
  addRegistryImage(projectId: number, repositoryName: string, tags: string[]): RegistryRepository {
    const project = this.requireProject(projectId);
    const name = repositoryName.replace(/^\/+|\/+$/g, '').toLowerCase();
    let repository = project.registry.find((r) => r.name === name);
    if (!repository) {
      const base = project.pathWithNamespace.toLowerCase();
      repository = {
        id: this.nextId.registry++,
        projectId,
        name,
        path: name ? `${base}/${name}` : base,
        createdAt: this.now(),
        tags: [],
      };
      project.registry.push(repository);
    }
    for (const tag of tags) {
      if (repository.tags.some((t) => t.name === tag)) continue;
      const hash = sha256Hex(`${repository.path}:${tag}`);
      repository.tags.push({
        name: tag,
        digest: manifestDigest(`${this.registryHost}/${repository.path}`, tag),
        revision: hash,
        totalSize: 50_000_000 + (Number.parseInt(hash.slice(0, 6), 16) % 300_000_000),
        createdAt: this.now(),
      });
    }
    return repository;
  }

  /**
   * Makes an image available on a registry other than the instance's (Docker Hub by default:
   * `alpine` and `library/alpine` are the same image; `quay.io/x/y` keeps its host).
   */
  addDockerHubImage(name: string, tags: string[]): void {
    const key = dockerHubKey(parseImageRef(name));
    const existing = this.externalImages.get(key) ?? new Set<string>();
    for (const tag of tags) existing.add(tag);
    this.externalImages.set(key, existing);
  }

  /** Publishes an npm package version (`@scope/name`) to a project's package registry. */
  addNpmPackage(projectId: number, name: string, version: string): Package {
    const project = this.requireProject(projectId);
    const pkg: Package = {
      id: this.nextId.package++,
      projectId,
      type: 'npm',
      name,
      version,
      createdAt: this.now(),
    };
    project.packages.push(pkg);
    return pkg;
  }

  /** Writes a file of the project's default branch (`.gitlab-ci.yml`, `.gitmodules`, …). */
  setFile(projectId: number, path: string, content: string): void {
    this.requireProject(projectId).files.set(path.replace(/^\/+/, ''), content);
  }

  /** A fresh id for entities kept outside this class (issues, their reactions). */
  newId(kind: 'issue'): number {
    return this.nextId[kind]++;
  }

  /** The pipeline that ran at `sha` in a project (newest first), for its CI config. */
  pipelineAt(projectId: number, sha: string): Pipeline | undefined {
    return [...this.pipelines].reverse().find((p) => p.projectId === projectId && p.sha === sha);
  }

  // ---------------------------------------------------------------- job token scope

  /** Adds `sourceProjectId` to the inbound allowlist of `targetProjectId` (the image owner). */
  allowlistProject(targetProjectId: number, sourceProjectId: number): void {
    const target = this.requireProject(targetProjectId);
    this.requireProject(sourceProjectId);
    if (!target.jobTokenAllowlist.projectIds.includes(sourceProjectId)) {
      target.jobTokenAllowlist.projectIds.push(sourceProjectId);
    }
  }

  /** Adds a group to the inbound allowlist of `targetProjectId`. */
  allowlistGroup(targetProjectId: number, groupId: number): void {
    const target = this.requireProject(targetProjectId);
    if (!this.group(groupId)) throw new Error(`no group ${groupId}`);
    if (!target.jobTokenAllowlist.groupIds.includes(groupId)) {
      target.jobTokenAllowlist.groupIds.push(groupId);
    }
  }

  /** Gives an allowlist entry fine-grained permissions (18.3+), as the UI or GraphQL would. */
  setJobTokenPolicies(
    targetProjectId: number,
    entry: { kind: 'project' | 'group'; id: number },
    granted: { defaultPermissions: boolean; policies: string[] },
  ): void {
    const target = this.requireProject(targetProjectId);
    target.jobTokenPolicies ??= new Map();
    target.jobTokenPolicies.set(`${entry.kind}:${entry.id}`, granted);
  }

  /**
   * Records a successful cross-project job token authorization (`Ci::JobToken::Scope#accessible?`
   * logs only those, and only from 17.6).
   */
  recordJobTokenAuthorization(origin: Project, accessed: Project): void {
    if (origin.id === accessed.id || !versionAtLeast(this.version, '17.6.0')) return;
    const row = this.jobTokenAuthLog.find(
      (r) => r.originProjectId === origin.id && r.accessedProjectId === accessed.id,
    );
    if (row) row.lastAuthorizedAt = this.now();
    else {
      this.jobTokenAuthLog.push({
        originProjectId: origin.id,
        accessedProjectId: accessed.id,
        lastAuthorizedAt: this.now(),
      });
    }
  }

  /** Turns the project's "Limit access to this project" setting on or off. */
  setInboundScope(projectId: number, enabled: boolean): void {
    this.requireProject(projectId).inboundJobTokenScope = enabled;
  }

  // ---------------------------------------------------------------- commits and MRs

  /** Registers a commit (pipelines and MRs do it for their SHAs). */
  addCommit(
    projectId: number,
    sha: string,
    details: { title?: string; message?: string; authorId?: number } = {},
  ): Commit {
    const project = this.requireProject(projectId);
    const existing = project.commits.get(sha);
    if (existing) return existing;
    const author = details.authorId === undefined ? undefined : this.user(details.authorId);
    const title = details.title ?? 'Update .gitlab-ci.yml';
    const commit: Commit = {
      id: sha,
      shortId: sha.slice(0, 8),
      title,
      message: details.message ?? `${title}\n`,
      authorName: author?.name ?? 'Administrator',
      authorEmail: author?.email ?? 'admin@example.org',
      createdAt: this.now(),
      parentIds: [],
    };
    project.commits.set(sha, commit);
    return commit;
  }

  /** Opens a merge request. */
  addMergeRequest(input: NewMergeRequest): MergeRequest {
    const project = this.requireProject(input.projectId);
    this.requireUser(input.authorId);
    const iid =
      input.iid ??
      1 +
        Math.max(
          0,
          ...this.mergeRequests.filter((m) => m.projectId === project.id).map((m) => m.iid),
        );
    if (this.mergeRequest(project.id, iid)) throw new Error(`!${iid} exists`);
    const now = this.now();
    const mr: MergeRequest = {
      id: this.nextId.mergeRequest++,
      iid,
      projectId: project.id,
      title: input.title,
      description: input.description ?? '',
      sourceBranch: input.sourceBranch,
      targetBranch: input.targetBranch ?? project.defaultBranch,
      authorId: input.authorId,
      sha: input.sha,
      state: 'opened',
      createdAt: now,
      updatedAt: now,
    };
    this.addCommit(project.id, input.sha, { title: input.title, authorId: input.authorId });
    this.mergeRequests.push(mr);
    return mr;
  }

  // ---------------------------------------------------------------- notes

  /** Posts a note on an MR (as the API would, quick actions recorded). */
  addMergeRequestNote(
    projectId: number,
    mrIid: number,
    authorId: number,
    body: string,
    options: { internal?: boolean; system?: boolean } = {},
  ): Note {
    const mr = this.mergeRequest(projectId, mrIid);
    if (!mr) throw new Error(`no !${mrIid} in project ${projectId}`);
    this.requireUser(authorId);
    const discussion = this.newDiscussion(projectId, 'MergeRequest', mrIid, null, true);
    const note = this.newNote(discussion, authorId, body, null, mr.id, options);
    mr.updatedAt = note.createdAt;
    return note;
  }

  /** Starts a threaded discussion on an MR (`POST …/merge_requests/:iid/discussions`). */
  addMergeRequestDiscussion(
    projectId: number,
    mrIid: number,
    authorId: number,
    body: string,
  ): Discussion {
    const mr = this.mergeRequest(projectId, mrIid);
    if (!mr) throw new Error(`no !${mrIid} in project ${projectId}`);
    this.requireUser(authorId);
    const discussion = this.newDiscussion(projectId, 'MergeRequest', mrIid, null, false);
    const note = this.newNote(discussion, authorId, body, 'DiscussionNote', mr.id, {});
    mr.updatedAt = note.createdAt;
    return discussion;
  }

  /** Deletes a note (and its discussion when it was the last note). */
  removeNote(noteId: number): void {
    const note = this.note(noteId);
    if (!note) throw new Error(`no note ${noteId}`);
    this.notes.splice(this.notes.indexOf(note), 1);
    const discussion = this.discussions.find((d) => d.id === note.discussionId);
    if (!discussion) return;
    discussion.notes.splice(discussion.notes.indexOf(note), 1);
    if (discussion.notes.length === 0) {
      this.discussions.splice(this.discussions.indexOf(discussion), 1);
    }
  }

  /** Starts a discussion on a commit (register unknown SHAs with `addCommit` first for the API). */
  addCommitDiscussion(projectId: number, sha: string, authorId: number, body: string): Discussion {
    this.requireProject(projectId);
    this.requireUser(authorId);
    const discussion = this.newDiscussion(projectId, 'Commit', null, sha, false);
    this.newNote(discussion, authorId, body, 'DiscussionNote', null, {});
    return discussion;
  }

  /** Replies in an existing discussion. */
  replyToDiscussion(discussionId: string, authorId: number, body: string): Note {
    const discussion = this.discussions.find((d) => d.id === discussionId);
    if (!discussion) throw new Error(`no discussion ${discussionId}`);
    this.requireUser(authorId);
    const first = discussion.notes[0];
    // Replying turns an individual note into a thread, as in GitLab.
    discussion.individualNote = false;
    for (const n of discussion.notes) n.type = 'DiscussionNote';
    return this.newNote(
      discussion,
      authorId,
      body,
      'DiscussionNote',
      first?.noteableId ?? null,
      {},
    );
  }

  /** Edits a note's body (quick actions in the new body are recorded too). */
  editNote(noteId: number, body: string): Note {
    const note = this.note(noteId);
    if (!note) throw new Error(`no note ${noteId}`);
    note.body = body;
    note.updatedAt = this.now();
    this.recordQuickActions(note);
    return note;
  }

  /** Reacts to an MR note with an emoji; throws if the user already gave that emoji. */
  awardEmoji(
    projectId: number,
    mrIid: number,
    noteId: number,
    userId: number,
    name: string,
  ): AwardEmoji {
    const note = this.notesOn(projectId, mrIid).find((n) => n.id === noteId);
    if (!note) throw new Error(`no note ${noteId} on !${mrIid}`);
    const award = this.addAward(note, 'Note', userId, name);
    this.emit({ kind: 'emoji', award, note, action: 'award' });
    return award;
  }

  /** Takes a reaction back from an MR note (`DELETE …/award_emoji/:id`); throws if there is none. */
  removeEmoji(
    projectId: number,
    mrIid: number,
    noteId: number,
    userId: number,
    name: string,
  ): void {
    const note = this.notesOn(projectId, mrIid).find((n) => n.id === noteId);
    const award = note?.awards.find((a) => a.userId === userId && a.name === name);
    if (!note || !award) throw new Error(`no ${name} of user ${userId} on note ${noteId}`);
    note.awards.splice(note.awards.indexOf(award), 1);
    this.emit({ kind: 'emoji', award, note, action: 'revoke' });
  }

  /** A reaction on a note or an issue; throws if the user already gave that emoji. */
  addAward(
    awardable: { id: number; awards: AwardEmoji[] },
    type: AwardEmoji['awardableType'],
    userId: number,
    name: string,
  ): AwardEmoji {
    this.requireUser(userId);
    if (awardable.awards.some((a) => a.userId === userId && a.name === name)) {
      throw new Error('Name has already been taken');
    }
    const now = this.now();
    const award: AwardEmoji = {
      id: this.nextId.award++,
      name,
      userId,
      createdAt: now,
      updatedAt: now,
      awardableId: awardable.id,
      awardableType: type,
    };
    awardable.awards.push(award);
    return award;
  }

  private newDiscussion(
    projectId: number,
    noteableType: Discussion['noteableType'],
    noteableIid: number | null,
    commitSha: string | null,
    individualNote: boolean,
  ): Discussion {
    const discussion: Discussion = {
      id: randomHex40(),
      projectId,
      noteableType,
      noteableIid,
      commitSha,
      individualNote,
      notes: [],
    };
    this.discussions.push(discussion);
    return discussion;
  }

  private newNote(
    discussion: Discussion,
    authorId: number,
    body: string,
    type: Note['type'],
    noteableId: number | null,
    options: { internal?: boolean; system?: boolean },
  ): Note {
    const now = this.now();
    const note: Note = {
      id: this.nextId.note++,
      type,
      body,
      authorId,
      projectId: discussion.projectId,
      noteableType: discussion.noteableType,
      noteableId,
      noteableIid: discussion.noteableIid,
      commitSha: discussion.commitSha,
      discussionId: discussion.id,
      system: options.system ?? false,
      internal: options.internal ?? false,
      createdAt: now,
      updatedAt: now,
      awards: [],
    };
    discussion.notes.push(note);
    this.notes.push(note);
    if (!note.system) this.recordQuickActions(note);
    if (!note.system) this.emit({ kind: 'note', note });
    return note;
  }

  private recordQuickActions(note: Note): void {
    for (const action of extractQuickActions(note.body)) {
      this.quickActionsRun.push({
        projectId: note.projectId,
        noteId: note.id,
        noteableType: note.noteableType,
        noteableIid: note.noteableIid,
        commitSha: note.commitSha,
        ...action,
      });
    }
  }

  // ---------------------------------------------------------------- CI

  /**
   * Creates a pipeline and runs all its jobs at once: each job's images are checked against
   * the pull rules, the runner's log is written, and statuses are set.
   */
  runPipeline(input: RunPipelineInput): Pipeline {
    const project = this.requireProject(input.projectId);
    this.requireUser(input.userId);
    const mrIid = MR_REF.exec(input.ref)?.groups?.iid;
    const mr = mrIid === undefined ? undefined : this.mergeRequest(project.id, Number(mrIid));
    const sha = input.sha ?? mr?.sha ?? randomHex40();
    this.addCommit(project.id, sha, { title: mr?.title, authorId: mr?.authorId ?? input.userId });
    const now = this.now();
    const pipeline: Pipeline = {
      id: this.nextId.pipeline++,
      iid: 1 + this.pipelines.filter((p) => p.projectId === project.id).length,
      projectId: project.id,
      sha,
      beforeSha: '0000000000000000000000000000000000000000',
      ref: input.ref,
      tag: false,
      source: input.source ?? (mrIid === undefined ? 'push' : 'merge_request_event'),
      status: 'created',
      userId: input.userId,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      jobIds: [],
      ciConfig: ciConfigOf(input.jobs),
    };
    this.pipelines.push(pipeline);
    for (const spec of input.jobs) {
      executeJob(this, pipeline, spec, input.userId, this.nextId.job++);
    }
    this.refreshPipeline(pipeline);
    project.lastActivityAt = pipeline.updatedAt;
    for (const job of this.jobsOf(pipeline.id)) this.emit({ kind: 'job', job });
    this.emit({ kind: 'pipeline', pipeline });
    return pipeline;
  }

  /**
   * Retries a job like GitLab: a new job (new id) with the same spec in the same pipeline, run
   * by `userId` and evaluated against the world as it is now; the old one becomes `retried`.
   */
  retryJob(projectId: number, jobId: number, userId: number): Job {
    const old = this.job(jobId);
    if (!old || old.projectId !== projectId) throw new Error(`no job ${jobId} in ${projectId}`);
    this.requireUser(userId);
    const pipeline = this.pipeline(old.pipelineId);
    if (!pipeline) throw new Error(`job ${jobId} has no pipeline`);
    old.retried = true;
    const job = executeJob(this, pipeline, old.spec, userId, this.nextId.job++);
    this.refreshPipeline(pipeline);
    this.emit({ kind: 'job', job });
    this.emit({ kind: 'pipeline', pipeline });
    return job;
  }

  /** Retries every failed latest job of a pipeline (`POST …/pipelines/:id/retry`). */
  retryPipeline(pipelineId: number, userId: number): Pipeline {
    const pipeline = this.pipeline(pipelineId);
    if (!pipeline) throw new Error(`no pipeline ${pipelineId}`);
    for (const job of this.jobsOf(pipelineId).filter((j) => j.status === 'failed')) {
      this.retryJob(pipeline.projectId, job.id, userId);
    }
    return pipeline;
  }

  /** Recomputes a pipeline's status and times from its latest jobs. */
  refreshPipeline(pipeline: Pipeline): void {
    refreshPipelineStatus(this, pipeline);
  }

  // ---------------------------------------------------------------- webhooks

  /** Registers a project hook (the API checks rights and the URL first). */
  addHook(input: Omit<ProjectHook, 'id' | 'createdAt'>): ProjectHook {
    const hook: ProjectHook = { ...input, id: this.nextId.hook++, createdAt: this.now() };
    this.hooks.push(hook);
    return hook;
  }

  /** Calls `listener` with every job, pipeline, note and emoji event; returns an unsubscribe. */
  onEvent(listener: (event: WorldEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: WorldEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  // ---------------------------------------------------------------- helpers

  /** The project or an error (for world mutations with bad ids). */
  requireProject(id: number): Project {
    const project = this.project(id);
    if (!project) throw new Error(`no project ${id}`);
    return project;
  }

  /** The user or an error. */
  requireUser(id: number): User {
    const user = this.user(id);
    if (!user) throw new Error(`no user ${id}`);
    return user;
  }
}

/** Creates an empty simulated instance (see `World`). */
export function createWorld(init: WorldInit = {}): World {
  return new World(init);
}
