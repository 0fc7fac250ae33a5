import { Gitlab, GitbeakerRequestError, GitbeakerTimeoutError } from '@gitbeaker/rest';
import type { z } from 'zod';
import { GitlabAuthError, GitlabNotFoundError, GitlabRequestError } from '../errors.js';
import { mapGitlabError, type CallContext } from './map-error.js';
import type {
  CommitDiscussion,
  GitlabPort,
  GitlabUser,
  GroupRef,
  Job,
  Member,
  MergeRequest,
  Note,
  PipelineRef,
  Project,
  ProjectRef,
  RegistryRepository,
} from './port.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import * as S from './schema.js';

export interface GitlabAdapterOptions {
  url: string;
  token: string;
  /** Per request. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Called after every request with its outcome, for metrics. */
  onRequest?: (event: { what: string; status: number | 'error'; ms: number }) => void;
}

// Bounded pages everywhere: gitbeaker follows every `next` link unless told.
const LIST_LIMIT = { perPage: 100, maxPages: 20 } as const;

/** The GitLab port over HTTP, through gitbeaker. */
export function createGitlabAdapter(options: GitlabAdapterOptions): GitlabPort {
  const baseUrl = options.url.replace(/\/+$/, '');
  const api = new Gitlab({
    host: baseUrl,
    token: options.token,
    queryTimeout: options.timeoutMs ?? 30_000,
  });
  const retry = options.retry ?? DEFAULT_RETRY;

  async function once<T>(context: CallContext, call: () => Promise<unknown>, parse: z.ZodType<T>) {
    const started = Date.now();
    try {
      const raw = await call();
      options.onRequest?.({ what: context.what, status: 200, ms: Date.now() - started });
      return parse.parse(raw);
    } catch (error) {
      const mapped = mapGitlabError(error, context);
      const status = (mapped as { status?: number }).status;
      options.onRequest?.({
        what: context.what,
        status:
          typeof status === 'number'
            ? status
            : mapped instanceof GitlabNotFoundError
              ? 404
              : 'error',
        ms: Date.now() - started,
      });
      throw mapped;
    }
  }
  const read = <T>(context: CallContext, call: () => Promise<unknown>, parse: z.ZodType<T>) =>
    withRetry(() => once(context, call, parse), retry);
  const write = <T>(context: CallContext, call: () => Promise<unknown>, parse: z.ZodType<T>) =>
    once(context, call, parse);

  /** GitLab's GraphQL endpoint; gitbeaker has no GraphQL client. */
  async function graphql<T>(
    context: CallContext,
    query: string,
    variables: Record<string, unknown>,
  ) {
    const started = Date.now();
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/api/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const mapped = mapGitlabError(
        (error as Error).name === 'TimeoutError' ? new GitbeakerTimeoutError('timeout') : error,
        context,
      );
      options.onRequest?.({ what: context.what, status: 'error', ms: Date.now() - started });
      throw mapped;
    }
    options.onRequest?.({ what: context.what, status: response.status, ms: Date.now() - started });
    if (!response.ok) {
      const body = await response.text();
      throw mapGitlabError(
        new GitbeakerRequestError(body, {
          cause: { description: body, request: new Request(`${baseUrl}/api/graphql`), response },
        }),
        context,
      );
    }
    const payload = (await response.json()) as { data?: T; errors?: { message: string }[] };
    const problems = payload.errors?.map((e) => e.message) ?? [];
    if (problems.length > 0 || !payload.data) {
      const description = problems.join('; ') || 'no data';
      throw new GitlabRequestError(
        `GitLab's GraphQL API refused ${context.what}: ${description}`,
        200,
        description,
      );
    }
    return payload.data;
  }

  /** Adds or removes a project of the inbound allowlist (15.9 to 15.11). */
  async function allowlistMutation(
    operation: 'ciJobTokenScopeAddProject' | 'ciJobTokenScopeRemoveProject',
    projectPath: string,
    targetProjectPath: string,
  ) {
    const verb = operation === 'ciJobTokenScopeAddProject' ? 'adding' : 'removing';
    const data = await graphql<Record<string, { errors: string[] }>>(
      {
        what: `${verb} ${targetProjectPath} in the job token allowlist of ${projectPath} (GraphQL)`,
        needs: 'Maintainer on that project',
      },
      // 15.x defaulted to OUTBOUND: the direction must be said.
      `mutation ($project: ID!, $target: ID!) {
        ${operation}(input: { projectPath: $project, targetProjectPath: $target, direction: INBOUND }) {
          errors
        }
      }`,
      { project: projectPath, target: targetProjectPath },
    );
    const errors = data[operation]?.errors ?? [];
    if (errors.length > 0) {
      throw new GitlabRequestError(
        `GitLab refused the change: ${errors.join('; ')}`,
        400,
        errors.join('; '),
      );
    }
  }

  return {
    baseUrl,

    async graphqlJobTokenScope(projectPath) {
      const data = await withRetry(
        () =>
          graphql<{
            project: {
              ciCdSettings: { inboundJobTokenScopeEnabled: boolean | null } | null;
              ciJobTokenScope: { inboundAllowlist: { nodes: { fullPath: string }[] } } | null;
            } | null;
          }>(
            {
              what: `reading the job token settings of ${projectPath} (GraphQL)`,
              needs: 'Maintainer on that project',
            },
            `
              query ($path: ID!) {
                project(fullPath: $path) {
                  ciCdSettings {
                    inboundJobTokenScopeEnabled
                  }
                  ciJobTokenScope {
                    inboundAllowlist {
                      nodes {
                        fullPath
                      }
                    }
                  }
                }
              }
            `,
            { path: projectPath },
          ),
        retry,
      );
      const project = data.project;
      // GraphQL answers null where the caller may not read the setting.
      if (!project?.ciCdSettings || project.ciCdSettings.inboundJobTokenScopeEnabled === null) {
        throw new GitlabAuthError(
          `GitLab did not show the job token settings of ${projectPath}: the bot's user needs Maintainer on that project`,
          403,
        );
      }
      return {
        inboundEnabled: project.ciCdSettings.inboundJobTokenScopeEnabled,
        allowlist: project.ciJobTokenScope?.inboundAllowlist.nodes.map((n) => n.fullPath) ?? [],
      };
    },

    async graphqlAddToJobTokenAllowlist(projectPath, targetProjectPath) {
      await allowlistMutation('ciJobTokenScopeAddProject', projectPath, targetProjectPath);
    },

    async graphqlRemoveFromJobTokenAllowlist(projectPath, targetProjectPath) {
      await allowlistMutation('ciJobTokenScopeRemoveProject', projectPath, targetProjectPath);
    },

    async currentUser() {
      return toUser(
        await read(
          {
            what: 'reading the bot user (GET /user)',
            needs: 'a token with the api or read_api scope',
          },
          () => api.Users.showCurrentUser(),
          S.User,
        ),
      );
    },

    async version() {
      return read({ what: 'reading the GitLab version' }, () => api.Metadata.show(), S.Metadata);
    },

    async listMemberProjects() {
      const rows = await read(
        { what: 'listing the projects the bot is a member of' },
        () =>
          api.Projects.all({ membership: true, minAccessLevel: 20, simple: true, ...LIST_LIMIT }),
        S.ProjectBasic.array(),
      );
      return rows.map(toProjectRef);
    },

    async listGroupProjects(groupPath) {
      const rows = await read(
        { what: `listing the projects of group ${groupPath}`, needs: 'Reporter on the group' },
        () =>
          api.Groups.allProjects(groupPath, {
            includeSubgroups: true,
            simple: true,
            ...LIST_LIMIT,
          }),
        S.ProjectBasic.array(),
      );
      return rows.map(toProjectRef);
    },

    async getProject(idOrPath) {
      const row = await read(
        { what: `reading project ${idOrPath}` },
        () => api.Projects.show(idOrPath),
        S.ProjectFull,
      );
      return toProject(row);
    },

    async listFailedJobs(projectId, { perPage, page }) {
      const rows = await read(
        {
          what: `listing failed jobs of project ${projectId}`,
          needs: 'Reporter on the project (read_build)',
        },
        () => api.Jobs.all(projectId, { scope: 'failed', perPage, page }),
        S.Job.array(),
      );
      return rows.map(toJob);
    },

    async getJob(projectId, jobId) {
      return toJob(
        await read(
          { what: `reading job ${jobId}`, needs: 'Reporter on the project' },
          () => api.Jobs.show(projectId, jobId),
          S.Job,
        ),
      );
    },

    async getJobLog(projectId, jobId, maxBytes) {
      const context = {
        what: `reading the log of job ${jobId}`,
        needs: 'Reporter on the project (read_build)',
      };
      return withRetry(async () => {
        const started = Date.now();
        try {
          // gitbeaker's type lacks asStream on showLog; it works at run time.
          const stream = (await api.Jobs.showLog(projectId, jobId, {
            asStream: true,
          } as Record<string, unknown>)) as unknown as ReadableStream<Uint8Array> | string;
          options.onRequest?.({ what: context.what, status: 200, ms: Date.now() - started });
          return typeof stream === 'string' ? stream : await readHeadAndTail(stream, maxBytes);
        } catch (error) {
          const mapped = mapGitlabError(error, context);
          options.onRequest?.({
            what: context.what,
            status: (mapped as { status?: number }).status ?? 'error',
            ms: Date.now() - started,
          });
          throw mapped;
        }
      }, retry);
    },

    async getPipeline(projectId, pipelineId) {
      return toPipeline(
        await read(
          { what: `reading pipeline ${pipelineId}` },
          () => api.Pipelines.show(projectId, pipelineId),
          S.Pipeline,
        ),
      );
    },

    async listPipelineJobs(projectId, pipelineId) {
      const rows = await read(
        { what: `listing the jobs of pipeline ${pipelineId}` },
        () => api.Jobs.all(projectId, { pipelineId, ...LIST_LIMIT }),
        S.Job.array(),
      );
      return rows.map(toJob);
    },

    async retryJob(projectId, jobId) {
      return toJob(
        await write(
          { what: `retrying job ${jobId}`, needs: 'Developer on the project' },
          () => api.Jobs.retry(projectId, jobId),
          S.Job,
        ),
      );
    },

    async getJobTokenScope(projectId) {
      const row = await read(
        {
          what: `reading the CI/CD job token settings of project ${projectId}`,
          needs: 'Maintainer on that project',
        },
        () => api.ProjectJobTokenScopes.show(projectId),
        S.JobTokenScope,
      );
      return { inboundEnabled: row.inbound_enabled, outboundEnabled: row.outbound_enabled };
    },

    async listJobTokenAllowlist(projectId) {
      const rows = await read(
        {
          what: `reading the job token allowlist of project ${projectId}`,
          needs: 'Maintainer on that project',
        },
        () =>
          api.ProjectJobTokenScopes.showInboundAllowList(
            projectId,
            LIST_LIMIT as Record<string, unknown>,
          ),
        S.ProjectBasic.array(),
      );
      return rows.map(toProjectRef);
    },

    async listJobTokenGroupAllowlist(projectId) {
      const rows = await read(
        {
          what: `reading the job token group allowlist of project ${projectId}`,
          needs: 'Maintainer on that project',
        },
        () =>
          api.ProjectJobTokenScopes.showGroupsAllowList(
            projectId,
            LIST_LIMIT as Record<string, unknown>,
          ),
        S.Group.array(),
      );
      return rows.map(toGroup);
    },

    async addProjectToJobTokenAllowlist(projectId, targetProjectId) {
      await write(
        {
          what: `adding project ${targetProjectId} to the job token allowlist of project ${projectId}`,
          needs: 'Maintainer on that project',
        },
        () => api.ProjectJobTokenScopes.addToInboundAllowList(projectId, targetProjectId),
        S.AnyBody,
      );
    },

    async removeProjectFromJobTokenAllowlist(projectId, targetProjectId) {
      await write(
        {
          what: `removing project ${targetProjectId} from the job token allowlist of project ${projectId}`,
          needs: 'Maintainer on that project',
        },
        () => api.ProjectJobTokenScopes.removeFromInboundAllowList(projectId, targetProjectId),
        S.AnyBody,
      );
    },

    async addGroupToJobTokenAllowlist(projectId, groupId) {
      await write(
        {
          what: `adding group ${groupId} to the job token allowlist of project ${projectId}`,
          needs: 'Maintainer on that project',
        },
        () => api.ProjectJobTokenScopes.addToGroupsAllowList(projectId, groupId),
        S.AnyBody,
      );
    },

    async removeGroupFromJobTokenAllowlist(projectId, groupId) {
      await write(
        {
          what: `removing group ${groupId} from the job token allowlist of project ${projectId}`,
          needs: 'Maintainer on that project',
        },
        () => api.ProjectJobTokenScopes.removeFromGroupsAllowList(projectId, groupId),
        S.AnyBody,
      );
    },

    async getMember(projectId, userId) {
      try {
        const row = await read(
          { what: `reading the membership of user ${userId} in project ${projectId}` },
          () => api.ProjectMembers.show(projectId, userId, { includeInherited: true }),
          S.Member,
        );
        return toMember(row);
      } catch (error) {
        if (error instanceof GitlabNotFoundError) return undefined;
        throw error;
      }
    },

    async listMembers(projectId) {
      const rows = await read(
        { what: `listing the members of project ${projectId}` },
        () => api.ProjectMembers.all(projectId, { includeInherited: true, ...LIST_LIMIT }),
        S.Member.array(),
      );
      return rows.map(toMember);
    },

    async getGroup(idOrPath) {
      return toGroup(
        await read({ what: `reading group ${idOrPath}` }, () => api.Groups.show(idOrPath), S.Group),
      );
    },

    async listRegistryRepositories(projectId) {
      const rows = await read(
        {
          what: `listing the container images of project ${projectId}`,
          needs: 'Reporter on that project',
        },
        () => api.ContainerRegistry.allRepositories({ projectId, tagsCount: true, ...LIST_LIMIT }),
        S.RegistryRepository.array(),
      );
      return rows.map(toRepository);
    },

    async listRegistryTags(projectId, repositoryId) {
      const rows = await read(
        {
          what: `listing the tags of image ${repositoryId} in project ${projectId}`,
          needs: 'Reporter on that project',
        },
        () =>
          api.ContainerRegistry.allTags(
            projectId,
            repositoryId,
            LIST_LIMIT as Record<string, unknown>,
          ),
        S.RegistryTag.array(),
      );
      return rows.map((t) => t.name);
    },

    async listPackages(where, filter) {
      const scope =
        'projectId' in where ? { projectId: where.projectId } : { groupId: where.groupPath };
      const rows = await read(
        {
          what: `listing the packages named ${filter.name} in ${'projectId' in where ? `project ${where.projectId}` : `group ${where.groupPath}`}`,
          needs: 'Reporter there',
        },
        () =>
          api.Packages.all({
            ...scope,
            packageName: filter.name,
            ...(filter.type ? { packageType: filter.type } : {}),
            perPage: 100,
            maxPages: 5,
          } as Parameters<typeof api.Packages.all>[0]),
        S.Package.array(),
      );
      return rows.map((row) => ({
        name: row.name,
        version: row.version,
        packageType: row.package_type,
        ...(row.project_id !== undefined ? { projectId: row.project_id } : {}),
      }));
    },

    async getRawFile(projectId, filePath, ref) {
      return read(
        { what: `reading ${filePath} of project ${projectId}`, needs: 'Reporter on the project' },
        // GitLab sends files as text/plain or application/octet-stream (a Blob to gitbeaker).
        async () => {
          const raw: unknown = await api.RepositoryFiles.showRaw(projectId, filePath, ref);
          return raw instanceof Blob ? raw.text() : raw;
        },
        S.Text,
      );
    },

    async getMergeRequest(projectId, iid) {
      return toMergeRequest(
        await read(
          { what: `reading merge request !${iid}` },
          () => api.MergeRequests.show(projectId, iid),
          S.MergeRequest,
        ),
      );
    },

    async listMergeRequestsForCommit(projectId, sha) {
      const rows = await read(
        { what: `listing merge requests of commit ${sha.slice(0, 8)}` },
        () => api.Commits.allMergeRequests(projectId, sha),
        S.MergeRequest.array(),
      );
      return rows.map(toMergeRequest);
    },

    async listOpenMergeRequestsForBranch(projectId, branch) {
      const rows = await read(
        { what: `listing open merge requests of branch ${branch}` },
        () =>
          api.MergeRequests.all({
            projectId,
            sourceBranch: branch,
            state: 'opened',
            perPage: 20,
            maxPages: 1,
          }),
        S.MergeRequest.array(),
      );
      return rows.map(toMergeRequest);
    },

    async listMergeRequestNotes(projectId, iid) {
      const rows = await read(
        { what: `reading the comments of merge request !${iid}` },
        () =>
          api.MergeRequestNotes.all(projectId, iid, {
            sort: 'asc',
            orderBy: 'created_at',
            ...LIST_LIMIT,
          }),
        S.Note.array(),
      );
      return rows.map(toNote);
    },

    async createMergeRequestNote(projectId, iid, body) {
      return toNote(
        await write(
          { what: `commenting on merge request !${iid}`, needs: 'Reporter on the project' },
          () => api.MergeRequestNotes.create(projectId, iid, body),
          S.Note,
        ),
      );
    },

    async editMergeRequestNote(projectId, iid, noteId, body) {
      return toNote(
        await write(
          { what: `editing the bot's comment on merge request !${iid}` },
          () => api.MergeRequestNotes.edit(projectId, iid, noteId, { body }),
          S.Note,
        ),
      );
    },

    async listNoteAwardEmoji(projectId, iid, noteId) {
      const rows = await read(
        { what: `reading the reactions to comment ${noteId} on merge request !${iid}` },
        () => api.MergeRequestNoteAwardEmojis.all(projectId, iid, noteId, LIST_LIMIT),
        S.AwardEmoji.array(),
      );
      return rows.map((a) => ({
        id: a.id,
        name: a.name,
        userId: a.user.id,
        username: a.user.username,
        createdAt: a.created_at,
      }));
    },

    async latestPipeline(projectId, ref) {
      const rows = await read(
        { what: `reading the latest pipeline of ${ref}` },
        () => api.Pipelines.all(projectId, { ref, perPage: 1, page: 1 }),
        S.Pipeline.array(),
      );
      return rows[0] ? toPipeline(rows[0]) : undefined;
    },

    async replyToCommitDiscussion(projectId, sha, discussionId, body) {
      return toNote(
        await write(
          { what: `replying on commit ${sha.slice(0, 8)}`, needs: 'Reporter on the project' },
          () => api.CommitDiscussions.addNote(projectId, sha, discussionId, body),
          S.Note,
        ),
      );
    },

    async listCommitDiscussions(projectId, sha) {
      const rows = await read(
        { what: `reading the discussions of commit ${sha.slice(0, 8)}` },
        () => api.CommitDiscussions.all(projectId, sha, LIST_LIMIT as Record<string, unknown>),
        S.CommitDiscussion.array(),
      );
      return rows.map(toDiscussion);
    },

    async createCommitDiscussion(projectId, sha, body) {
      return toDiscussion(
        await write(
          { what: `commenting on commit ${sha.slice(0, 8)}`, needs: 'Reporter on the project' },
          () => api.CommitDiscussions.create(projectId, sha, body),
          S.CommitDiscussion,
        ),
      );
    },

    async editCommitDiscussionNote(projectId, sha, discussionId, noteId, body) {
      return toNote(
        await write(
          { what: `editing the bot's comment on commit ${sha.slice(0, 8)}` },
          () => api.CommitDiscussions.editNote(projectId, sha, discussionId, noteId, { body }),
          S.Note,
        ),
      );
    },
  };
}

/** Reads a stream keeping only its first and last `maxBytes / 2`. */
async function readHeadAndTail(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<string> {
  const half = Math.floor(maxBytes / 2);
  const head: Uint8Array[] = [];
  let headBytes = 0;
  const tail: Uint8Array[] = [];
  let tailBytes = 0;
  let skipped = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    let rest = chunk;
    if (headBytes < half) {
      const take = rest.subarray(0, half - headBytes);
      head.push(take);
      headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0) continue;
    tail.push(rest);
    tailBytes += rest.length;
    while (tailBytes > half && tail.length > 0) {
      const first = tail[0] as Uint8Array;
      const excess = tailBytes - half;
      if (first.length <= excess) {
        tail.shift();
        tailBytes -= first.length;
        skipped += first.length;
      } else {
        tail[0] = first.subarray(excess);
        tailBytes -= excess;
        skipped += excess;
      }
    }
  }
  const decoder = new TextDecoder('utf-8');
  const headText = decoder.decode(Buffer.concat(head));
  if (skipped === 0) return headText + new TextDecoder('utf-8').decode(Buffer.concat(tail));
  const tailText = new TextDecoder('utf-8').decode(Buffer.concat(tail));
  const firstBreak = tailText.indexOf('\n');
  return `${headText}\n[pipeline-diagnoser: ${skipped} bytes of this log were skipped]\n${firstBreak === -1 ? tailText : tailText.slice(firstBreak + 1)}`;
}

function toUser(row: z.infer<typeof S.User>): GitlabUser {
  return { id: row.id, username: row.username, name: row.name, ...(row.bot ? { bot: true } : {}) };
}

function toProjectRef(row: z.infer<typeof S.ProjectBasic>): ProjectRef {
  return { id: row.id, pathWithNamespace: row.path_with_namespace, webUrl: row.web_url };
}

function toProject(row: z.infer<typeof S.ProjectFull>): Project {
  const project: Project = {
    ...toProjectRef(row),
    name: row.name,
    visibility: row.visibility,
    namespace: {
      id: row.namespace.id,
      fullPath: row.namespace.full_path,
      kind: row.namespace.kind,
    },
    callerAccessLevel: Math.max(
      row.permissions?.project_access?.access_level ?? 0,
      row.permissions?.group_access?.access_level ?? 0,
    ),
  };
  if (row.container_registry_image_prefix) {
    project.containerRegistryImagePrefix = row.container_registry_image_prefix;
  }
  if (row.container_registry_access_level) {
    project.containerRegistryAccessLevel = row.container_registry_access_level;
  }
  return project;
}

function toPipeline(row: z.infer<typeof S.Pipeline>): PipelineRef {
  const pipeline: PipelineRef = {
    id: row.id,
    projectId: row.project_id,
    ref: row.ref,
    sha: row.sha,
  };
  if (row.iid !== undefined) pipeline.iid = row.iid;
  if (row.source) pipeline.source = row.source;
  if (row.status) pipeline.status = row.status;
  if (row.web_url) pipeline.webUrl = row.web_url;
  return pipeline;
}

function toJob(row: z.infer<typeof S.Job>): Job {
  const job: Job = {
    id: row.id,
    name: row.name,
    stage: row.stage,
    status: row.status,
    webUrl: row.web_url,
    ref: row.ref,
    createdAt: row.created_at,
    pipeline: toPipeline(row.pipeline),
    allowFailure: row.allow_failure,
  };
  if (row.failure_reason) job.failureReason = row.failure_reason;
  if (row.finished_at) job.finishedAt = row.finished_at;
  if (row.user) job.user = toUser(row.user);
  return job;
}

function toGroup(row: z.infer<typeof S.Group>): GroupRef {
  const group: GroupRef = { id: row.id, fullPath: row.full_path ?? row.name ?? String(row.id) };
  if (row.web_url) group.webUrl = row.web_url;
  return group;
}

function toMember(row: z.infer<typeof S.Member>): Member {
  return { userId: row.id, username: row.username, accessLevel: row.access_level };
}

function toRepository(row: z.infer<typeof S.RegistryRepository>): RegistryRepository {
  const repository: RegistryRepository = {
    id: row.id,
    name: row.name,
    path: row.path,
    location: row.location,
  };
  if (row.tags_count !== undefined) repository.tagsCount = row.tags_count;
  return repository;
}

function toMergeRequest(row: z.infer<typeof S.MergeRequest>): MergeRequest {
  const mr: MergeRequest = {
    iid: row.iid,
    projectId: row.project_id,
    title: row.title,
    sourceBranch: row.source_branch,
    state: row.state,
    webUrl: row.web_url,
  };
  if (row.author) mr.authorId = row.author.id;
  return mr;
}

function toNote(row: z.infer<typeof S.Note>): Note {
  const note: Note = {
    id: row.id,
    body: row.body,
    authorId: row.author.id,
    authorUsername: row.author.username,
    system: row.system,
    createdAt: row.created_at,
  };
  if (row.updated_at) note.updatedAt = row.updated_at;
  return note;
}

function toDiscussion(row: z.infer<typeof S.CommitDiscussion>): CommitDiscussion {
  return { id: row.id, notes: row.notes.map(toNote) };
}
