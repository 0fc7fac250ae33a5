/**
 * Whether a target project lets a source project's job token in, now and once the allowlist
 * is enforced: GitLab's `Ci::JobToken::Scope` (the project entries, then a group entry above
 * the source, when the inbound setting is on) and `ProjectPolicy` (a public or internal
 * project's open registry needs no entry).
 */
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, GroupRef, Project } from '../gitlab/port.js';
import type { AuditKind, AuditState } from '../domain/audit.js';
import { groupEntryFor } from '../resolve/group-entries.js';

/** A target's job token settings as the bot could read them. */
export type TargetScope =
  | {
      readable: true;
      /** On, or enforced by the instance (GitLab reports enforcement as on). */
      inboundEnabled: boolean;
      projectIds: Set<number>;
      projectPaths: Set<string>;
      /** Group entries, matched by id: a group's display name is not its path. */
      groups: GroupRef[];
    }
  | { readable: false; reason: string };

/** Reads a target's settings and allowlists (REST from 16.0, GraphQL before). */
export async function readScope(gitlab: GitlabPort, target: Project): Promise<TargetScope> {
  const path = target.pathWithNamespace;
  const cannot = `the bot cannot read the CI/CD job token settings of ${path} (Maintainer needed)`;
  try {
    const scope = await gitlab.getJobTokenScope(target.id);
    const projects = await gitlab.listJobTokenAllowlist(target.id);
    let groups: GroupRef[] = [];
    try {
      groups = await gitlab.listJobTokenGroupAllowlist(target.id);
    } catch (error) {
      // Before group entries existed (17.0) there is no such list.
      if (!(error instanceof GitlabNotFoundError)) throw error;
    }
    return {
      readable: true,
      inboundEnabled: scope.inboundEnabled,
      projectIds: new Set(projects.map((p) => p.id)),
      projectPaths: new Set(projects.map((p) => p.pathWithNamespace.toLowerCase())),
      groups,
    };
  } catch (error) {
    if (error instanceof GitlabAuthError) return { readable: false, reason: cannot };
    if (!(error instanceof GitlabNotFoundError)) throw error;
  }
  // 15.9 to 15.11: the same through GraphQL, by path.
  try {
    const scope = await gitlab.graphqlJobTokenScope(path);
    return {
      readable: true,
      inboundEnabled: scope.inboundEnabled,
      projectIds: new Set(),
      projectPaths: new Set(scope.allowlist.map((p) => p.toLowerCase())),
      groups: [],
    };
  } catch (error) {
    if (error instanceof GitlabAuthError || error instanceof GitlabNotFoundError) {
      return { readable: false, reason: cannot };
    }
    throw error;
  }
}

/** Projects whose allowlist applies only to some kinds of access (public, internal). */
function openByVisibility(target: Project, kind: AuditKind): string | undefined {
  const registryOpen = (target.containerRegistryAccessLevel ?? 'enabled') === 'enabled';
  if (kind === 'image' && registryOpen && target.visibility !== 'private') {
    return `${target.visibility} project whose registry is open to everyone with access`;
  }
  // Repositories and job artifacts of internal projects still go through the allowlist.
  if (kind !== 'image' && kind !== 'auth-log' && target.visibility === 'public') {
    return 'public project';
  }
  return undefined;
}

/** The group entry that lets a source in, looked up by id through the source's parent groups. */
export async function sourceGroupEntry(
  gitlab: GitlabPort,
  scope: TargetScope,
  source: Project,
): Promise<GroupEntryMatch> {
  if (!scope.readable) return undefined;
  return groupEntryFor(gitlab, source, scope.groups);
}

/** A group entry above the source; 'unknown' when a group above it is hidden from the bot. */
export type GroupEntryMatch = GroupRef | 'unknown' | undefined;

/** The state of one (source, target, kind), and why. */
export function judge(
  scope: TargetScope,
  source: Project,
  target: Project,
  kind: AuditKind,
  groupEntry: GroupEntryMatch,
): { state: AuditState; reason: string } {
  const open = openByVisibility(target, kind);
  if (open) return { state: 'allowed', reason: open };
  if (!scope.readable) return { state: 'unknown', reason: scope.reason };
  const path = source.pathWithNamespace.toLowerCase();
  if (scope.projectIds.has(source.id) || scope.projectPaths.has(path)) {
    return { state: 'allowed', reason: 'on the allowlist' };
  }
  if (groupEntry === 'unknown') {
    return {
      state: 'unknown',
      reason: `a group above ${source.pathWithNamespace} is hidden from the bot, so its group entries cannot be ruled out`,
    };
  }
  if (groupEntry !== undefined) {
    return { state: 'allowed', reason: `group ${groupEntry.fullPath} is on the allowlist` };
  }
  return scope.inboundEnabled
    ? { state: 'denied', reason: 'not on the allowlist' }
    : {
        state: 'denied-at-enforcement',
        reason:
          'not on the allowlist, which is off until it is enforced (18.0 or the admin setting)',
      };
}
