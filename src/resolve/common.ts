import {
  fact,
  type Check,
  type Diagnosis,
  type Evidence,
  type Fact,
  type Fix,
  type ProjectInfo,
  type Verdict,
} from '../domain/diagnosis.js';
import { ROLE } from '../domain/roles.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, Job, Project } from '../gitlab/port.js';
import type { Match } from '../patterns/classify.js';
import type { ResolveInput } from './types.js';

/** Adds one verified (or unverifiable) fact to a diagnosis. */
export type Recorder = (id: string, result: Check['result'], detail: Fact) => void;

/** A check list and the recorder that fills it, all stamped with the resolver's clock. */
export function checkList(now: () => Date): { checks: Check[]; check: Recorder } {
  const checks: Check[] = [];
  const check: Recorder = (id, result, detail) =>
    checks.push({ check: id, result, detail, at: now().toISOString() });
  return { checks, check };
}

export function info(project: Project): ProjectInfo {
  return { id: project.id, path: project.pathWithNamespace, webUrl: project.webUrl };
}

export function evidenceOf(match: Match): Evidence {
  return {
    line: match.text,
    lineNumber: match.line,
    section: match.section,
    runnerPrefix: match.runnerPrefix,
    runnerWritten: match.runnerWritten,
  };
}

/** The parts of a diagnosis every resolver fills the same way. */
export function baseDiagnosis(
  input: ResolveInput,
  project: ProjectInfo,
  checks: Check[],
): Pick<
  Diagnosis,
  | 'patternId'
  | 'title'
  | 'summary'
  | 'advice'
  | 'category'
  | 'blame'
  | 'retryable'
  | 'evidence'
  | 'fields'
  | 'checks'
  | 'project'
  | 'gitlabVersion'
> {
  const { pattern, match } = input;
  return {
    patternId: pattern.id,
    title: pattern.title,
    summary: pattern.summary,
    ...(pattern.fix ? { advice: pattern.fix } : {}),
    category: pattern.category,
    ...blameOf(pattern),
    evidence: evidenceOf(match),
    fields: match.fields,
    checks,
    project,
    ...(input.gitlabVersion ? { gitlabVersion: input.gitlabVersion } : {}),
  };
}

/**
 * B as a note names it: by its path when anyone signed in may see it,
 * otherwise only as the log (or the job's own configuration) named it.
 * `publiclyVisible` then tells the note to list nothing of B's (image names,
 * tags, package versions).
 */
export function targetOf(project: Project, named: string): NonNullable<Diagnosis['target']> {
  return {
    ...info(project),
    path: shownName(project, named),
    publiclyVisible: project.visibility !== 'private',
  };
}

/**
 * B's name wherever a note may say it (checks, fix, target): its path when
 * every reader of the note may see B, else only as the log named it (a
 * numeric id stays a number).
 */
export function shownName(project: Project, named: string): string {
  return project.visibility === 'private' ? named : project.pathWithNamespace;
}

/** B under the name a note may use: for every fact about it, never for an API call. */
export function asShown(project: Project, named: string): Project {
  return { ...project, pathWithNamespace: shownName(project, named) };
}

/**
 * Whether the user who ran the job can see B: public, internal (every job
 * runs as a signed-in user), or a member with any role. The bot publishes
 * only what that user could see: anyone who can push a branch controls what
 * a job names, and the note must not confirm that a hidden project exists.
 */
export async function jobUserSees(gitlab: GitlabPort, job: Job, b: Project): Promise<boolean> {
  if (b.visibility === 'public') return true;
  if (!job.user) return false;
  if (b.visibility === 'internal') return true;
  try {
    return ((await gitlab.getMember(b.id, job.user.id))?.accessLevel ?? 0) >= ROLE.guest;
  } catch (error) {
    if (error instanceof GitlabAuthError || error instanceof GitlabNotFoundError) return false;
    throw error;
  }
}

/**
 * The check for a path no project answers to. The same words whether no
 * project has it, the bot cannot see it, or the user who ran the job cannot:
 * the note tells those apart for no one.
 */
export function noProjectSeen(check: Recorder, path: string): void {
  check(
    'target',
    'fail',
    fact`No project that both the bot and the user who ran the job can see has the path ${path}: it may be mistyped, or it is private to people they are not among.`,
  );
}

/** A project by id or path, or undefined when GitLab answers 404 (missing or hidden). */
export async function findProject(
  gitlab: GitlabPort,
  idOrPath: number | string,
): Promise<Project | undefined> {
  try {
    return await gitlab.getProject(idOrPath);
  } catch (error) {
    if (error instanceof GitlabNotFoundError) return undefined;
    throw error;
  }
}

export type Decide = (
  verdict: Verdict,
  verified: boolean,
  rootCauseKey: string,
  fix?: Fix,
) => Diagnosis;

/**
 * Turns a verdict into the diagnosis: `verified` only when GitLab confirmed
 * it and the evidence itself can be trusted (`trusted`).
 */
export function decider(
  base: Omit<Diagnosis, 'verdict' | 'confidence' | 'rootCauseKey' | 'fix'>,
  trusted: boolean,
): Decide {
  return (verdict, verified, rootCauseKey, fix) => ({
    ...base,
    verdict,
    confidence: verified && trusted ? 'verified' : 'suspected',
    rootCauseKey,
    ...(fix ? { fix } : {}),
  });
}

/** The user who ran the job may not read B: give them a role there (the same for every resource). */
export function userLacksAccess(decide: Decide, b: ProjectInfo, job: Job): Diagnosis {
  return decide('user-lacks-access', true, `user-lacks-access:${b.id}:user=${job.user?.id ?? 0}`, {
    kind: 'grant-access',
    target: b,
    username: job.user?.username ?? '',
    minimumRole: 'Reporter',
  });
}

/** The pattern's word on whose failure it is, as a diagnosis carries it. */
export function blameOf(pattern: ResolveInput['pattern']): Pick<Diagnosis, 'blame' | 'retryable'> {
  return {
    ...(pattern.blame ? { blame: pattern.blame } : {}),
    ...(pattern.retryable !== undefined ? { retryable: pattern.retryable } : {}),
  };
}
