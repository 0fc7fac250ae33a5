import { fact, type Fact, type Fix } from '../domain/diagnosis.js';
import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabPausedError,
  GitlabRequestError,
  GitlabResponseError,
  GitlabTransientError,
  errorMessage,
} from '../errors.js';
import type { GitlabPort, WriteAnswer } from '../gitlab/port.js';
import { groupEntryFor } from '../resolve/group-entries.js';

type AllowlistFix = Extract<Fix, { kind: 'allowlist-add' }>;

/** The group `apply group` adds: the namespace A was in when the change was offered. */
export function groupToAdd(fix: AllowlistFix): string | undefined {
  const slash = fix.source.path.lastIndexOf('/');
  return slash > 0 ? fix.source.path.slice(0, slash) : undefined;
}

/** GitLab's limit on entries (projects and groups) in one allowlist. */
export const ALLOWLIST_LIMIT = 200;

export type WriteResult =
  | {
      status: 'applied';
      /** GitLab's answer; `made` is false when dry-run held the write back. */
      answer: WriteAnswer;
      entry: 'project' | 'group';
      groupId?: number;
      /** How the change was made: REST, or GraphQL on 15.9 to 15.11. */
      via?: 'rest' | 'graphql';
    }
  | { status: 'already-present'; detail: Fact }
  | { status: 'failed'; httpStatus?: string; reason: Fact }
  /** GitLab did not answer (5xx, 429, timeout): the change may or may not have been made. */
  | {
      status: 'unknown';
      reason: Fact;
      /** Held back by a wait GitLab asked for: nothing of this try was sent. */
      paused?: true;
    };

/**
 * Unanswered tries of one write, on a merge request's offer and on an audit issue alike: the
 * first, and one more in a later cycle. A try a crash cut short is not counted: the next start
 * reads the allowlist and tries again.
 */
export const MAX_UNANSWERED = 2;

/** The entry a write adds or removes, said just before the request goes out. */
export interface PlannedWrite {
  groupId?: number;
  via: 'rest' | 'graphql';
}

/** Called right before the write request, so the caller can record that it went out. */
export type BeforeWrite = (write: PlannedWrite) => void;

/**
 * Adds A (or A's group) to B's allowlist, after checking again that it is
 * still missing: someone may have fixed it by hand since the note was
 * written. Every refusal becomes a reason a person can act on.
 */
export async function addToAllowlist(
  gitlab: GitlabPort,
  fix: AllowlistFix,
  entry: 'project' | 'group',
  beforeWrite: BeforeWrite = () => undefined,
): Promise<WriteResult> {
  const { target, source } = fix;
  try {
    const rest = await restScope(gitlab, target.id);
    if (!rest) return await addThroughGraphql(gitlab, fix, entry, beforeWrite);
    const scope = rest;
    if (!scope.inboundEnabled) {
      return {
        status: 'already-present',
        detail: fact`${target.path} now accepts job tokens from every project`,
      };
    }
    const projects = await gitlab.listJobTokenAllowlist(target.id);
    if (projects.some((p) => p.id === source.id)) {
      return {
        status: 'already-present',
        detail: fact`${source.path} is on the allowlist of ${target.path}`,
      };
    }
    let groups: { id: number; fullPath: string }[] = [];
    try {
      groups = await gitlab.listJobTokenGroupAllowlist(target.id);
    } catch (error) {
      if (!(error instanceof GitlabNotFoundError)) throw error;
    }
    const viaGroup =
      groups.length > 0
        ? await groupEntryFor(gitlab, await gitlab.getProject(source.id), groups)
        : undefined;
    // 'unknown' (a group above A hidden from the bot): a project entry is harmless then.
    if (viaGroup && viaGroup !== 'unknown') {
      return {
        status: 'already-present',
        detail: fact`group ${viaGroup.fullPath} is on the allowlist of ${target.path}`,
      };
    }
    if (projects.length + groups.length >= ALLOWLIST_LIMIT) {
      return {
        status: 'failed',
        reason: fact`The allowlist of ${target.path} is full (GitLab allows ${ALLOWLIST_LIMIT} entries). A Maintainer can remove entries that are no longer needed, or add a whole group instead of single projects (${'apply group'}).`,
      };
    }
    if (entry === 'group') {
      const groupPath = groupToAdd(fix);
      if (groupPath === undefined) {
        return {
          status: 'failed',
          reason: fact`${source.path} belongs to no group; add the project instead (${'apply'}).`,
        };
      }
      const group = await gitlab.getGroup(groupPath);
      beforeWrite({ groupId: group.id, via: 'rest' });
      const answer = await gitlab.addGroupToJobTokenAllowlist(target.id, group.id);
      return { status: 'applied', answer, entry, groupId: group.id };
    }
    beforeWrite({ via: 'rest' });
    const answer = await gitlab.addProjectToJobTokenAllowlist(target.id, source.id);
    return { status: 'applied', answer, entry };
  } catch (error) {
    return writeFailure(error, target.path, source.path);
  }
}

/** The REST job token settings, or undefined where GitLab has no REST API for them (before 16.0). */
async function restScope(gitlab: GitlabPort, projectId: number) {
  try {
    return await gitlab.getJobTokenScope(projectId);
  } catch (error) {
    if (error instanceof GitlabNotFoundError) return undefined;
    throw error;
  }
}

/** GitLab 15.9 to 15.11: the same checks and change through GraphQL, by path. */
async function addThroughGraphql(
  gitlab: GitlabPort,
  fix: AllowlistFix,
  entry: 'project' | 'group',
  beforeWrite: BeforeWrite,
): Promise<WriteResult> {
  const { target, source } = fix;
  if (entry === 'group') {
    return {
      status: 'failed',
      reason: fact`Groups can be added to the allowlist from GitLab 17.0; add the project instead (${'apply'}).`,
    };
  }
  // GraphQL takes paths: B's own, as GitLab has it now (a note may name B only by its id).
  const targetPath = (await gitlab.getProject(target.id)).pathWithNamespace;
  const scope = await gitlab.graphqlJobTokenScope(targetPath);
  if (!scope.inboundEnabled) {
    return {
      status: 'already-present',
      detail: fact`${target.path} now accepts job tokens from every project`,
    };
  }
  if (scope.allowlist.some((p) => p.toLowerCase() === source.path.toLowerCase())) {
    return {
      status: 'already-present',
      detail: fact`${source.path} is on the allowlist of ${target.path}`,
    };
  }
  beforeWrite({ via: 'graphql' });
  const answer = await gitlab.graphqlAddToJobTokenAllowlist(targetPath, source.path);
  return { status: 'applied', answer, entry: 'project', via: 'graphql' };
}

/** An entry of B's allowlist the bot added (or would add). */
export interface BotEntry {
  kind: 'project' | 'group';
  groupId?: number;
  via?: 'rest' | 'graphql';
}

/** Removes the entry the bot added, and only that one. */
export async function removeFromAllowlist(
  gitlab: GitlabPort,
  fix: AllowlistFix,
  entry: BotEntry,
  beforeWrite: BeforeWrite = () => undefined,
): Promise<WriteResult> {
  const planned = {
    via: entry.via ?? 'rest',
    ...(entry.groupId !== undefined ? { groupId: entry.groupId } : {}),
  };
  try {
    if (entry.via === 'graphql') {
      const targetPath = (await gitlab.getProject(fix.target.id)).pathWithNamespace;
      beforeWrite(planned);
      const answer = await gitlab.graphqlRemoveFromJobTokenAllowlist(targetPath, fix.source.path);
      return { status: 'applied', answer, entry: 'project' };
    }
    beforeWrite(planned);
    const answer =
      entry.kind === 'group' && entry.groupId !== undefined
        ? await gitlab.removeGroupFromJobTokenAllowlist(fix.target.id, entry.groupId)
        : await gitlab.removeProjectFromJobTokenAllowlist(fix.target.id, fix.source.id);
    return { status: 'applied', answer, entry: entry.kind };
  } catch (error) {
    return writeFailure(error, fix.target.path, fix.source.path);
  }
}

/**
 * Whether B's allowlist holds exactly this entry: after a write whose answer was lost, the only
 * way to know whether GitLab made it.
 */
export async function holdsEntry(
  gitlab: GitlabPort,
  fix: AllowlistFix,
  entry: BotEntry,
): Promise<boolean> {
  if (entry.via === 'graphql') {
    const targetPath = (await gitlab.getProject(fix.target.id)).pathWithNamespace;
    const scope = await gitlab.graphqlJobTokenScope(targetPath);
    return scope.allowlist.some((p) => p.toLowerCase() === fix.source.path.toLowerCase());
  }
  if (entry.kind === 'group') {
    const groups = await gitlab.listJobTokenGroupAllowlist(fix.target.id);
    return groups.some((g) => g.id === entry.groupId);
  }
  const projects = await gitlab.listJobTokenAllowlist(fix.target.id);
  return projects.some((p) => p.id === fix.source.id);
}

export function writeFailure(error: unknown, target: string, source: string): WriteResult {
  if (error instanceof GitlabPausedError) {
    return {
      status: 'unknown',
      reason: fact`GitLab asked the bot to wait (${errorMessage(error)})`,
      paused: true,
    };
  }
  // An answer that never came, or came unreadable: GitLab may have made the change all the same.
  if (error instanceof GitlabTransientError || error instanceof GitlabResponseError) {
    return {
      status: 'unknown',
      reason:
        error instanceof GitlabResponseError
          ? fact`GitLab's answer could not be read (${errorMessage(error)})`
          : fact`GitLab did not answer in time (${errorMessage(error)})`,
    };
  }
  if (error instanceof GitlabAuthError) {
    return {
      status: 'failed',
      httpStatus: String(error.status),
      reason: fact`The bot's account is not a Maintainer of ${target}, so GitLab does not let it change the allowlist; a Maintainer can still follow the steps above.`,
    };
  }
  if (error instanceof GitlabNotFoundError) {
    return {
      status: 'failed',
      httpStatus: '404',
      reason: fact`GitLab has no REST API for this on this version, or the bot cannot see ${target}; a Maintainer can still follow the steps above.`,
    };
  }
  if (error instanceof GitlabRequestError) {
    if (/already in the job token scope/i.test(error.description)) {
      return {
        status: 'already-present',
        detail: fact`${source} was already on the allowlist of ${target}`,
      };
    }
    if (
      /target_project that you are attempting to access does not exist/i.test(error.description)
    ) {
      return {
        status: 'failed',
        httpStatus: String(error.status),
        reason: fact`GitLab requires whoever adds ${source} to be able to see it, and the bot's account cannot.`,
      };
    }
    return {
      status: 'failed',
      httpStatus: String(error.status),
      reason: fact`GitLab refused the change: ${error.description}`,
    };
  }
  return { status: 'failed', reason: fact`The change could not be made: ${errorMessage(error)}` };
}
