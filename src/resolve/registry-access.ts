import type { Check, Diagnosis, Fix, ProjectInfo, Verdict } from '../domain/diagnosis.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, Job, Project } from '../gitlab/port.js';
import { parseImageRef } from '../patterns/image-ref.js';
import type { Match } from '../patterns/classify.js';
import { nearestTags } from './nearest-tags.js';
import { ownerCandidates, registryHostOf, sameRegistry } from './registry-host.js';
import type { ResolveInput } from './types.js';

const REPORTER = 20;

/**
 * Verifies an image pull failure against GitLab: which project owns the
 * image, whether that project lets the job's project in with its job token,
 * whether the user who ran the job may read it, and whether the image and
 * tag exist. Reads only; every conclusion lists what was checked.
 */
export async function resolveRegistryAccess(input: ResolveInput): Promise<Diagnosis> {
  const { gitlab, job, match, now } = input;
  const checks: Check[] = [];
  const check = (id: string, result: Check['result'], detail: string) =>
    checks.push({ check: id, result, detail, at: now().toISOString() });

  const projectA = await gitlab.getProject(job.pipeline.projectId);
  const a = info(projectA);
  const base = baseDiagnosis(input, a, checks);
  const ref = parseImageRef(match.fields.image ?? '');
  const tag = match.fields.tag;

  if (!ref) {
    check('image', 'unknown', 'The log does not name the image.');
    return {
      ...base,
      verdict: 'unverifiable',
      confidence: 'suspected',
      rootCauseKey: `unverifiable:${a.id}:${match.pattern}`,
    };
  }

  const host = registryHostOf(projectA) ?? (await registryHostFromAnyProject(gitlab, ref.path));
  if (!host) {
    check('registry', 'unknown', "GitLab did not say where this instance's container registry is.");
    return {
      ...base,
      verdict: 'unverifiable',
      confidence: 'suspected',
      rootCauseKey: `unverifiable:${a.id}:${ref.name}`,
    };
  }
  if (!ref.host || !sameRegistry(ref.host, host)) {
    check(
      'registry',
      'fail',
      `The image is on ${ref.host ?? 'Docker Hub'}, not on this GitLab's registry (${host}).`,
    );
    return {
      ...base,
      verdict: 'not-instance-registry',
      confidence: 'verified',
      rootCauseKey: `not-instance-registry:${a.id}:${ref.name.toLowerCase()}`,
    };
  }
  check('registry', 'pass', `The image is on this GitLab's registry (${host}).`);

  const owner = await findOwner(gitlab, ref.path);
  if (!owner) {
    check('owner', 'fail', `No project the bot can see owns the image path ${ref.path}.`);
    return {
      ...base,
      verdict: 'project-not-found',
      confidence: 'suspected',
      rootCauseKey: `project-not-found:${ref.path.toLowerCase()}`,
      fix: { kind: 'check-image-path', image: ref.name, candidates: [] },
    };
  }
  const projectB = owner.project;
  const b = info(projectB);
  const target = { ...b, publiclyVisible: projectB.visibility !== 'private' };
  check('owner', 'pass', `The image belongs to project ${b.path}.`);
  const withTarget = { ...base, target };

  if (projectB.containerRegistryAccessLevel === 'disabled') {
    check('registry-enabled', 'fail', `The container registry of ${b.path} is turned off.`);
    return {
      ...withTarget,
      verdict: 'registry-disabled',
      confidence: 'verified',
      rootCauseKey: `registry-disabled:${b.id}`,
      fix: { kind: 'enable-registry', target: b },
    };
  }

  const scope =
    a.id === b.id ? ('pass' as const) : await checkJobTokenScope(gitlab, projectA, projectB, check);
  if (a.id === b.id) {
    check(
      'job-token',
      'pass',
      'The image belongs to the job’s own project, which its job token may always read.',
    );
  }
  const user = await checkUserAccess(gitlab, job, projectB, check);
  const image = await checkImageAndTag(gitlab, projectB, owner.repository, ref.name, tag, check);

  const trusted = match.runnerPrefix;
  if (!trusted) {
    check(
      'evidence',
      'unknown',
      "The denial was printed by the job's own script, not by the runner, so the bot does not act on it.",
    );
  }
  const decide = (
    verdict: Verdict,
    verified: boolean,
    rootCauseKey: string,
    fix?: Fix,
  ): Diagnosis => ({
    ...withTarget,
    verdict,
    confidence: verified && trusted ? 'verified' : 'suspected',
    rootCauseKey,
    ...(fix ? { fix } : {}),
  });

  // The registry refuses the token before it looks for the image, so an
  // access failure explains "pull access denied" even when the tag is missing.
  if (user.result === 'fail') {
    return decide(
      'user-lacks-access',
      true,
      `user-lacks-access:${b.id}:user=${job.user?.id ?? 0}`,
      {
        kind: 'grant-access',
        target: b,
        username: job.user?.username ?? '',
        minimumRole: 'Reporter',
      },
    );
  }
  if (scope === 'fail') {
    const fix: Fix | undefined = trusted
      ? { kind: 'allowlist-add', target: b, source: a }
      : undefined;
    return decide(
      'allowlist-missing',
      user.result === 'pass',
      `allowlist-missing:${b.id}<-${a.id}`,
      fix,
    );
  }
  if (image.result === 'fail') return decide(image.verdict, true, image.key, image.fix);
  if (scope === 'unknown' && user.result === 'pass' && image.result === 'pass') {
    // Everything else that can refuse this pull was checked and allows it, so
    // the allowlist the bot may not read is what is left: say so, as suspected.
    check(
      'conclusion',
      'unknown',
      `Everything else that can refuse this pull allows it, so the job token allowlist of ${b.path} is the likely cause.`,
    );
    const fix: Fix | undefined = trusted
      ? { kind: 'allowlist-add', target: b, source: a }
      : undefined;
    return decide('allowlist-missing', false, `allowlist-missing:${b.id}<-${a.id}`, fix);
  }
  if (scope === 'unknown' || user.result === 'unknown' || image.result === 'unknown') {
    return decide('unverifiable', false, `unverifiable:${b.id}<-${a.id}`);
  }
  return decide(
    'access-ok',
    true,
    `access-ok:${b.id}<-${a.id}:${ref.path.toLowerCase()}:${tag ?? ''}`,
  );
}

function info(project: Project): ProjectInfo {
  return { id: project.id, path: project.pathWithNamespace, webUrl: project.webUrl };
}

function baseDiagnosis(input: ResolveInput, project: ProjectInfo, checks: Check[]) {
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

export function evidenceOf(match: Match) {
  return {
    line: match.text,
    lineNumber: match.line,
    section: match.section,
    runnerPrefix: match.runnerPrefix,
  };
}

async function registryHostFromAnyProject(gitlab: GitlabPort, imagePath: string) {
  const owner = await findOwner(gitlab, imagePath);
  return owner ? registryHostOf(owner.project) : undefined;
}

async function findOwner(gitlab: GitlabPort, imagePath: string) {
  for (const candidate of ownerCandidates(imagePath)) {
    try {
      return {
        project: await gitlab.getProject(candidate.projectPath),
        repository: candidate.repository,
      };
    } catch (error) {
      if (!(error instanceof GitlabNotFoundError)) throw error;
    }
  }
  return undefined;
}

type Recorder = (id: string, result: Check['result'], detail: string) => void;

async function checkJobTokenScope(
  gitlab: GitlabPort,
  a: Project,
  b: Project,
  check: Recorder,
): Promise<Check['result']> {
  let inboundEnabled: boolean;
  try {
    inboundEnabled = (await gitlab.getJobTokenScope(b.id)).inboundEnabled;
  } catch (error) {
    if (error instanceof GitlabAuthError) {
      check(
        'job-token',
        'unknown',
        `The bot cannot read the CI/CD job token settings of ${b.pathWithNamespace}: that needs the Maintainer role there.`,
      );
      return 'unknown';
    }
    if (error instanceof GitlabNotFoundError) {
      check(
        'job-token',
        'unknown',
        'This GitLab version has no REST API for the job token allowlist (added in 16.0); it could not be read.',
      );
      return 'unknown';
    }
    throw error;
  }
  if (!inboundEnabled) {
    check('job-token', 'pass', `${b.pathWithNamespace} accepts CI job tokens from every project.`);
    return 'pass';
  }
  const projects = await gitlab.listJobTokenAllowlist(b.id);
  if (projects.some((p) => p.id === a.id)) {
    check(
      'job-token',
      'pass',
      `${a.pathWithNamespace} is on the allowlist of ${b.pathWithNamespace}.`,
    );
    return 'pass';
  }
  let groups: { fullPath: string }[] = [];
  try {
    groups = await gitlab.listJobTokenGroupAllowlist(b.id);
  } catch (error) {
    if (!(error instanceof GitlabNotFoundError)) throw error;
  }
  const aPath = a.pathWithNamespace.toLowerCase();
  const viaGroup = groups.find((g) => aPath.startsWith(`${g.fullPath.toLowerCase()}/`));
  if (viaGroup) {
    check(
      'job-token',
      'pass',
      `${a.pathWithNamespace} is inside group ${viaGroup.fullPath}, which is on the allowlist of ${b.pathWithNamespace}.`,
    );
    return 'pass';
  }
  check(
    'job-token',
    'fail',
    `${b.pathWithNamespace} only accepts CI job tokens from the projects on its allowlist, and ${a.pathWithNamespace} is not on it.`,
  );
  return 'fail';
}

async function checkUserAccess(
  gitlab: GitlabPort,
  job: Job,
  b: Project,
  check: Recorder,
): Promise<{ result: Check['result'] }> {
  const user = job.user;
  const registry = b.containerRegistryAccessLevel ?? 'enabled';
  if (registry === 'enabled' && b.visibility === 'public') {
    check(
      'user-access',
      'pass',
      `${b.pathWithNamespace} is public, so anyone may pull its images.`,
    );
    return { result: 'pass' };
  }
  if (!user) {
    check('user-access', 'unknown', 'GitLab did not say which user ran the job.');
    return { result: 'unknown' };
  }
  if (registry === 'enabled' && b.visibility === 'internal') {
    check(
      'user-access',
      'pass',
      `${b.pathWithNamespace} is internal, so every signed-in user may pull its images.`,
    );
    return { result: 'pass' };
  }
  let level = 0;
  try {
    level = (await gitlab.getMember(b.id, user.id))?.accessLevel ?? 0;
  } catch (error) {
    if (error instanceof GitlabAuthError) {
      check('user-access', 'unknown', `The bot cannot read the members of ${b.pathWithNamespace}.`);
      return { result: 'unknown' };
    }
    throw error;
  }
  if (level >= REPORTER) {
    check(
      'user-access',
      'pass',
      `${user.username}, who ran the job, may read ${b.pathWithNamespace}.`,
    );
    return { result: 'pass' };
  }
  check(
    'user-access',
    'fail',
    `${user.username}, who ran the job, has no role in ${b.pathWithNamespace} that lets them pull its images (Reporter or more is needed).`,
  );
  return { result: 'fail' };
}

async function checkImageAndTag(
  gitlab: GitlabPort,
  b: Project,
  repositoryName: string,
  imageName: string,
  tag: string | undefined,
  check: Recorder,
): Promise<
  | { result: 'pass' | 'unknown' }
  | { result: 'fail'; verdict: 'image-not-found' | 'tag-not-found'; key: string; fix: Fix }
> {
  let repositories;
  try {
    repositories = await gitlab.listRegistryRepositories(b.id);
  } catch (error) {
    if (error instanceof GitlabAuthError || error instanceof GitlabNotFoundError) {
      check('image', 'unknown', `The bot cannot list the images of ${b.pathWithNamespace}.`);
      return { result: 'unknown' };
    }
    throw error;
  }
  const wanted =
    `${b.pathWithNamespace}${repositoryName ? `/${repositoryName}` : ''}`.toLowerCase();
  const repository = repositories.find((r) => r.path.toLowerCase() === wanted);
  if (!repository) {
    check('image', 'fail', `${b.pathWithNamespace} has no image named ${wanted}.`);
    return {
      result: 'fail',
      verdict: 'image-not-found',
      key: `image-not-found:${wanted}`,
      fix: {
        kind: 'check-image-path',
        image: imageName,
        candidates: repositories.map((r) => r.location || r.path),
      },
    };
  }
  check('image', 'pass', `The image ${wanted} exists.`);
  if (!tag) return { result: 'pass' };
  const tags = await gitlab.listRegistryTags(b.id, repository.id);
  if (tags.includes(tag)) {
    check('tag', 'pass', `The tag ${tag} exists.`);
    return { result: 'pass' };
  }
  check('tag', 'fail', `The image has no tag ${tag}.`);
  return {
    result: 'fail',
    verdict: 'tag-not-found',
    key: `tag-not-found:${wanted}:${tag}`,
    fix: { kind: 'use-existing-tag', image: imageName, tag, tags: nearestTags(tag, tags) },
  };
}
