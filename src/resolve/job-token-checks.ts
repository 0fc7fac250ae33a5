import { fact, joinFacts, ownWords, type Check, type Fact } from '../domain/diagnosis.js';
import { ROLE } from '../domain/roles.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, GroupRef, Job, Project } from '../gitlab/port.js';
import type { Recorder } from './common.js';
import { groupEntryFor } from './group-entries.js';

/**
 * Whether B's inbound allowlist lets A's job token in. The checks say only
 * that one fact: B's settings and the other entries of its list are for
 * B's Maintainers, not for the readers of A's merge request.
 * The order: the scope setting,
 * then the project entries, then the group entries (A inside an allowed
 * group). 'unknown' when the bot may not read the settings (Maintainer
 * needed) or the instance has no REST API for them (before 16.0).
 */
export async function checkJobTokenScope(
  gitlab: GitlabPort,
  a: Project,
  b: Project,
  check: Recorder,
  bName: string,
): Promise<Check['result']> {
  let inboundEnabled: boolean;
  try {
    inboundEnabled = (await gitlab.getJobTokenScope(b.id)).inboundEnabled;
  } catch (error) {
    if (error instanceof GitlabAuthError) {
      check(
        'job-token',
        'unknown',
        fact`The bot cannot read the CI/CD job token settings of ${bName}: that needs the Maintainer role there.`,
      );
      return 'unknown';
    }
    if (error instanceof GitlabNotFoundError) {
      // GitLab 15.9 to 15.11: the allowlist exists, but only GraphQL shows it.
      return checkThroughGraphql(gitlab, a, b, check, bName);
    }
    throw error;
  }
  if (!inboundEnabled) return letIn(check, a, bName, true);
  const projects = await gitlab.listJobTokenAllowlist(b.id);
  if (projects.some((p) => p.id === a.id)) return letIn(check, a, bName, true);
  let groups: GroupRef[] = [];
  try {
    groups = await gitlab.listJobTokenGroupAllowlist(b.id);
  } catch (error) {
    if (!(error instanceof GitlabNotFoundError)) throw error;
  }
  const viaGroup = await groupEntryFor(gitlab, a, groups);
  if (viaGroup === 'unknown') {
    check(
      'job-token',
      'unknown',
      fact`The bot cannot see every group above ${a.pathWithNamespace}, so it cannot tell whether a group entry on the allowlist of ${b.pathWithNamespace} covers it.`,
    );
    return 'unknown';
  }
  return letIn(check, a, bName, viaGroup !== undefined);
}

async function checkThroughGraphql(
  gitlab: GitlabPort,
  a: Project,
  b: Project,
  check: Recorder,
  bName: string,
): Promise<Check['result']> {
  let scope;
  try {
    scope = await gitlab.graphqlJobTokenScope(b.pathWithNamespace);
  } catch (error) {
    if (error instanceof GitlabAuthError || error instanceof GitlabNotFoundError) {
      check(
        'job-token',
        'unknown',
        fact`The bot cannot read the CI/CD job token settings of ${bName} (this GitLab shows them through GraphQL, to Maintainers only).`,
      );
      return 'unknown';
    }
    throw error;
  }
  const listed = scope.allowlist.some((p) => p.toLowerCase() === a.pathWithNamespace.toLowerCase());
  return letIn(check, a, bName, !scope.inboundEnabled || listed);
}

/** The allowlist's answer, as the checks list says it: A may use its job token on B, or not. */
function letIn(check: Recorder, a: Project, bName: string, allowed: boolean): Check['result'] {
  if (allowed) {
    check('job-token', 'pass', fact`${a.pathWithNamespace} may use its job token on ${bName}.`);
    return 'pass';
  }
  check(
    'job-token',
    'fail',
    fact`${a.pathWithNamespace} is not on the CI/CD job token allowlist of ${bName}.`,
  );
  return 'fail';
}

export interface ReadAccessRule {
  /** What the user must be able to do, after "may" ("pull its images"). */
  need: string;
  /** Set when B lets everyone do it without a role (a public project). */
  publicDetail?: Fact;
  /** Set when B lets every signed-in user do it (an internal project). */
  internalDetail?: Fact;
}

/**
 * Whether the user who ran the job may read B: a job token carries that
 * user's rights, so a Reporter role (or an open project) is needed on top of
 * the allowlist.
 */
export async function checkUserAccess(
  gitlab: GitlabPort,
  job: Job,
  b: Project,
  check: Recorder,
  rule: ReadAccessRule,
): Promise<Check['result']> {
  const user = job.user;
  if (rule.publicDetail) {
    check('user-access', 'pass', rule.publicDetail);
    return 'pass';
  }
  if (!user) {
    check('user-access', 'unknown', fact`GitLab did not say which user ran the job.`);
    return 'unknown';
  }
  if (rule.internalDetail) {
    check('user-access', 'pass', rule.internalDetail);
    return 'pass';
  }
  let level = 0;
  try {
    level = (await gitlab.getMember(b.id, user.id))?.accessLevel ?? 0;
  } catch (error) {
    if (error instanceof GitlabAuthError) {
      check(
        'user-access',
        'unknown',
        fact`The bot cannot read the members of ${b.pathWithNamespace}.`,
      );
      return 'unknown';
    }
    throw error;
  }
  if (level >= ROLE.reporter) {
    check(
      'user-access',
      'pass',
      fact`${user.username}, who ran the job, may read ${b.pathWithNamespace}.`,
    );
    return 'pass';
  }
  check(
    'user-access',
    'fail',
    joinFacts(
      fact`${user.username}, who ran the job, has no role in ${b.pathWithNamespace} that lets them `,
      ownWords(`${rule.need} (Reporter or more is needed).`),
    ),
  );
  return 'fail';
}

/** Public and internal projects open their repository, packages and jobs by visibility. */
export function visibilityRule(b: Project, need: string): ReadAccessRule {
  if (b.visibility === 'public') {
    return {
      need,
      publicDetail: joinFacts(
        fact`${b.pathWithNamespace} is public, so anyone may `,
        ownWords(`${need}.`),
      ),
    };
  }
  if (b.visibility === 'internal') {
    return {
      need,
      internalDetail: joinFacts(
        fact`${b.pathWithNamespace} is internal, so every signed-in user may `,
        ownWords(`${need}.`),
      ),
    };
  }
  return { need };
}
