import type { Fix } from '../domain/diagnosis.js';
import { ROLE } from '../domain/roles.js';
import { GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, GitlabUser } from '../gitlab/port.js';
import { groupToAdd } from './allowlist.js';
import type { Command } from './approvals.js';

type OneClickFix = Extract<Fix, { kind: 'allowlist-add' | 'policies-add' }>;

/** Whether an approval may be acted on; when not, why (for the audit) and what to answer. */
export type Authorisation =
  { ok: true; level: number } | { ok: false; level: number; reason: string; answer: string };

/**
 * GitLab's own rule for these writes: Maintainer (or Owner) of B, and able to
 * see what the entry is for: A, or the group added or whose entry changes.
 * Checked when the approval is acted on: roles change.
 */
export async function authorise(
  gitlab: GitlabPort,
  bot: GitlabUser,
  fix: OneClickFix,
  userId: number,
  command: Command,
  /** A, the job's project. */
  source: { id: number; path: string },
): Promise<Authorisation> {
  // Answers name no project: the person refused may not be able to see it.
  const onlyMaintainers =
    'Only Maintainers and Owners of the project whose allowlist changes can accept this change';
  if (userId === bot.id) {
    return {
      ok: false,
      level: 0,
      reason: 'the bot cannot approve its own change',
      answer: onlyMaintainers,
    };
  }
  const member = await gitlab.getMember(fix.target.id, userId);
  const level = member?.accessLevel ?? 0;
  if (level < ROLE.maintainer) {
    return {
      ok: false,
      level,
      reason: `access level ${level} in ${fix.target.path}; Maintainer (40) or Owner (50) is needed`,
      answer: onlyMaintainers,
    };
  }
  if (command === 'revert') return { ok: true, level };
  const entryGroup = fix.kind === 'policies-add' && fix.entry.kind === 'group';
  if (!entryGroup && !(await canSeeProject(gitlab, source.id, userId))) {
    return {
      ok: false,
      level,
      reason: `cannot see ${source.path}, which GitLab requires to add it to an allowlist or change its entry`,
      answer:
        'GitLab lets only people who can see the project being added accept this change, and it is not visible to them',
    };
  }
  const group =
    fix.kind === 'policies-add'
      ? entryGroup
        ? fix.entry.path
        : undefined
      : command === 'apply-group'
        ? groupToAdd(fix)
        : undefined;
  if (group !== undefined && !(await canSeeGroup(gitlab, group, source.id, userId))) {
    return {
      ok: false,
      level,
      reason: `cannot see group ${group}, which GitLab requires to add it to an allowlist`,
      answer:
        'GitLab lets only people who can see the group being added accept this change, and it is not visible to them',
    };
  }
  return { ok: true, level };
}

/**
 * GitLab's own rule for retrying a job: Developer (or higher) of the job's
 * project. Checked when the approval is acted on: roles change.
 */
export async function authoriseRetry(
  gitlab: GitlabPort,
  bot: GitlabUser,
  project: { id: number; path: string },
  userId: number,
): Promise<Authorisation> {
  const answer = 'Only Developers, Maintainers and Owners of the project can have its jobs retried';
  if (userId === bot.id) {
    return { ok: false, level: 0, reason: 'the bot cannot approve its own retry', answer };
  }
  const member = await gitlab.getMember(project.id, userId);
  const level = member?.accessLevel ?? 0;
  if (level < ROLE.developer) {
    return {
      ok: false,
      level,
      reason: `access level ${level} in ${project.path}; Developer (30) or higher is needed`,
      answer,
    };
  }
  return { ok: true, level };
}

/** Whether the user can see project A: public, internal, or a member (Guest or more). */
async function canSeeProject(
  gitlab: GitlabPort,
  projectId: number,
  userId: number,
): Promise<boolean> {
  const project = await gitlab.getProject(projectId);
  if (project.visibility !== 'private') return true;
  const member = await gitlab.getMember(projectId, userId);
  return (member?.accessLevel ?? 0) >= ROLE.guest;
}

/**
 * Whether the user can see group G, as GitLab decides `read_group`: public,
 * internal, a member of G (inherited included), or a member of a project in
 * it. The last is asked only of A, and only while A still lies in G: the
 * offer named G when the note was written, and A may have moved since.
 */
async function canSeeGroup(
  gitlab: GitlabPort,
  groupPath: string,
  sourceId: number,
  userId: number,
): Promise<boolean> {
  let group;
  try {
    group = await gitlab.getGroup(groupPath);
  } catch (error) {
    if (error instanceof GitlabNotFoundError) return false;
    throw error;
  }
  if (group.visibility === 'public' || group.visibility === 'internal') return true;
  if (((await gitlab.getGroupMember(group.fullPath, userId))?.accessLevel ?? 0) > 0) return true;
  const source = await gitlab.getProject(sourceId);
  const inside = source.pathWithNamespace
    .toLowerCase()
    .startsWith(`${group.fullPath.toLowerCase()}/`);
  return inside && ((await gitlab.getMember(sourceId, userId))?.accessLevel ?? 0) >= ROLE.guest;
}
