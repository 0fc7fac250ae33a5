import type { Fix } from '../domain/diagnosis.js';
import { ROLE } from '../domain/roles.js';
import type { GitlabPort, GitlabUser } from '../gitlab/port.js';

type AllowlistFix = Extract<Fix, { kind: 'allowlist-add' }>;

/** Whether an approval may be acted on; when not, why (for the audit) and what to answer. */
export type Authorisation =
  { ok: true; level: number } | { ok: false; level: number; reason: string; answer: string };

/**
 * GitLab's own rule for this write: Maintainer (or Owner) of B, and, to add
 * A, able to see A. Checked when the approval is acted on: roles change.
 */
export async function authorise(
  gitlab: GitlabPort,
  bot: GitlabUser,
  fix: AllowlistFix,
  userId: number,
  adding: boolean,
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
  if (adding && !(await canSee(gitlab, fix.source.id, userId))) {
    return {
      ok: false,
      level,
      reason: `cannot see ${fix.source.path}, which GitLab requires to add it to an allowlist`,
      answer:
        'GitLab lets only people who can see the project being added accept this change, and it is not visible to them',
    };
  }
  return { ok: true, level };
}

/** Whether the user can see project A: public, internal, or a member (Guest or more). */
async function canSee(gitlab: GitlabPort, projectId: number, userId: number): Promise<boolean> {
  const project = await gitlab.getProject(projectId);
  if (project.visibility !== 'private') return true;
  const member = await gitlab.getMember(projectId, userId);
  return (member?.accessLevel ?? 0) >= ROLE.guest;
}
