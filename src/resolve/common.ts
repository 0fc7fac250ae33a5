import type {
  Check,
  Diagnosis,
  Evidence,
  Fact,
  Fix,
  ProjectInfo,
  Verdict,
} from '../domain/diagnosis.js';
import { GitlabNotFoundError } from '../errors.js';
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
    evidence: evidenceOf(match),
    fields: match.fields,
    checks,
    project,
    ...(input.gitlabVersion ? { gitlabVersion: input.gitlabVersion } : {}),
  };
}

/** B as a diagnosis names it: only as the log did when readers may not see it. */
export function targetOf(project: Project): NonNullable<Diagnosis['target']> {
  return { ...info(project), publiclyVisible: project.visibility !== 'private' };
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
