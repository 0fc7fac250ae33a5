/**
 * GitLab 18.3+ refused an API call of the job because the allowlist entry
 * that lets A into B lacks a fine-grained permission, and named it
 * ("Insufficient permissions … The following token permission is required:
 * read_releases."). B is the project of the URL the job called, as for any
 * API denial; A is the job's project. The bot reads B's allowlist entries
 * with their permissions (GraphQL, Maintainers only) and checks that A's
 * entry exists and lacks what GitLab named. The named permission is script
 * output, so the verdict says "most likely"; the fix adds only that
 * permission to the entry B's Maintainers already made (see fix/offer.ts).
 */
import { fact, type Diagnosis } from '../domain/diagnosis.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { JobTokenEntry, Project } from '../gitlab/port.js';
import { apiCallTarget, apiName } from './api-access.js';
import { asShown, baseDiagnosis, checkList, info, targetOf, type Recorder } from './common.js';
import { cleanUrl } from './gitlab-urls.js';
import { settleTarget } from './job-token-access.js';
import type { ResolveInput } from './types.js';

/** `read_releases`, `read_deployments and admin_deployments`, `a, b, and c`. */
export function namedPolicies(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(/,\s*(?:and\s+)?|\s+and\s+/)
    .map((p) => p.trim())
    .filter((p) => /^(?:read|admin)_[a-z_]{1,40}$/.test(p));
}

export async function resolvePolicyAccess(input: ResolveInput): Promise<Diagnosis> {
  const { gitlab, job, match, now } = input;
  const { checks, check } = checkList(now);
  const projectA = await gitlab.getProject(job.pipeline.projectId);
  const a = info(projectA);
  const url = match.fields.url;
  const resource = { kind: 'api' as const, name: url ? apiName(cleanUrl(url)) : 'the GitLab API' };
  const base = { ...baseDiagnosis(input, a, checks), resource };
  const required = namedPolicies(match.fields.policies);
  const { target } = await apiCallTarget(input, url, projectA);
  const early = await settleTarget(input, target, base, check, `policies:${required.join(',')}`);
  if (early || target.kind !== 'found') return early as Diagnosis;

  const projectB = target.project;
  const shownB = asShown(projectB, target.named);
  const withTarget = { ...base, target: targetOf(projectB, target.named) };
  const key = `permission-missing:${projectB.id}<-${a.id}:${required.join(',')}`;
  const diagnosis = (verdict: Diagnosis['verdict'], fix?: Diagnosis['fix']): Diagnosis => ({
    ...withTarget,
    verdict,
    // The permission GitLab named reached the bot as script output.
    confidence: 'suspected',
    rootCauseKey: verdict === 'permission-missing' ? key : `${verdict}:${key}`,
    ...(fix ? { fix } : {}),
  });
  check('target', 'pass', target.how(shownB.pathWithNamespace));
  if (required.length === 0) {
    check(
      'permission',
      'unknown',
      fact`The log does not name a job token permission the bot knows.`,
    );
    return diagnosis('unverifiable');
  }
  const short = projectB.pathWithNamespace.split('/').pop() ?? '';
  if (match.fields.project && match.fields.project.toLowerCase() !== short.toLowerCase()) {
    check(
      'evidence',
      'unknown',
      fact`GitLab's message names project ${match.fields.project}, but the URL points to ${shownB.pathWithNamespace}.`,
    );
    return diagnosis('unverifiable');
  }
  const entry = await entryFor(input, projectA, projectB, shownB.pathWithNamespace, check);
  if (entry === 'unknown') return diagnosis('unverifiable');
  if (!entry) {
    check(
      'job-token',
      'fail',
      fact`${a.path} is not on the CI/CD job token allowlist of ${shownB.pathWithNamespace} any more.`,
    );
    return diagnosis('unverifiable');
  }
  const missing = required.filter((p) => !entry.defaultPermissions && !entry.policies.includes(p));
  const holder = entry.kind === 'project' ? a.path : `group ${entry.path}`;
  if (missing.length === 0) {
    check(
      'permission',
      'pass',
      fact`The entry of ${holder} on the allowlist of ${shownB.pathWithNamespace} grants ${required.join(', ')} now.`,
    );
    return diagnosis('access-ok');
  }
  check(
    'permission',
    'fail',
    fact`The entry of ${holder} on the allowlist of ${shownB.pathWithNamespace} does not grant ${missing.join(', ')}.`,
  );
  return diagnosis('permission-missing', {
    kind: 'policies-add',
    target: info(shownB),
    entry: { kind: entry.kind, path: entry.path },
    add: missing,
  });
}

/** The entry that lets A in: its own, else the one of the nearest group A is in. */
export function entryOf(entries: readonly JobTokenEntry[], a: Project): JobTokenEntry | undefined {
  const path = a.pathWithNamespace.toLowerCase();
  const own = entries.find((e) => e.kind === 'project' && e.path.toLowerCase() === path);
  if (own) return own;
  return entries
    .filter((e) => e.kind === 'group' && path.startsWith(`${e.path.toLowerCase()}/`))
    .sort((x, y) => y.path.length - x.path.length)[0];
}

async function entryFor(
  input: ResolveInput,
  a: Project,
  b: Project,
  bName: string,
  check: Recorder,
): Promise<JobTokenEntry | undefined | 'unknown'> {
  try {
    return entryOf(await input.gitlab.listJobTokenEntries(b.pathWithNamespace), a);
  } catch (error) {
    if (error instanceof GitlabAuthError || error instanceof GitlabNotFoundError) {
      check(
        'job-token',
        'unknown',
        fact`The bot cannot read the permissions of the allowlist entries of ${bName}: that needs the Maintainer role there, and GitLab 18.3 or later.`,
      );
      return 'unknown';
    }
    throw error;
  }
}
