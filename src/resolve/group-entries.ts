import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, GroupRef, Project } from '../gitlab/port.js';

/** Parent links followed at most (GitLab nests groups 20 deep). */
const MAX_DEPTH = 20;

/**
 * Which entry of a group allowlist lets project A in: A's own group or any group above it.
 * Matched by group id, never by name: GitLab lists these entries with id, name and address
 * only, and a group's display name is not its path. 'unknown' when no entry matched but a
 * group above A is hidden from the bot, so the match could not be ruled out.
 */
export async function groupEntryFor(
  gitlab: GitlabPort,
  a: Pick<Project, 'namespace'>,
  entries: readonly GroupRef[],
): Promise<GroupRef | 'unknown' | undefined> {
  if (entries.length === 0 || a.namespace.kind !== 'group') return undefined;
  const byId = new Map(entries.map((g) => [g.id, g]));
  let id: number | null | undefined = a.namespace.id;
  for (let depth = 0; id !== null && id !== undefined && depth < MAX_DEPTH; depth++) {
    const entry = byId.get(id);
    if (entry) return entry;
    try {
      id = (await gitlab.getGroup(id)).parentId;
    } catch (error) {
      const hidden = error instanceof GitlabNotFoundError || error instanceof GitlabAuthError;
      if (hidden) return 'unknown';
      throw error;
    }
  }
  return undefined;
}
