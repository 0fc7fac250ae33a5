import { fact, type Check, type Diagnosis, type Fix } from '../domain/diagnosis.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, Job, Project } from '../gitlab/port.js';
import { parseImageRef } from '../patterns/image-ref.js';
import {
  baseDiagnosis,
  checkList,
  decider,
  info,
  jobUserSees,
  noProjectSeen,
  targetOf,
  userLacksAccess,
  type Recorder,
} from './common.js';
import { checkJobTokenScope, checkUserAccess as checkReadAccess } from './job-token-checks.js';
import { nearestTags } from './nearest-tags.js';
import { similarProjects } from './similar-projects.js';
import { ownerCandidates, registryHostOf, sameRegistry } from './registry-host.js';
import type { ResolveInput } from './types.js';

export { evidenceOf } from './common.js';

/**
 * Verifies an image pull failure against GitLab: which project owns the
 * image, whether that project lets the job's project in with its job token,
 * whether the user who ran the job may read it, and whether the image and
 * tag exist. Reads only; every conclusion lists what was checked.
 */
export async function resolveRegistryAccess(input: ResolveInput): Promise<Diagnosis> {
  const { gitlab, job, match, now } = input;
  const { checks, check } = checkList(now);

  const projectA = await gitlab.getProject(job.pipeline.projectId);
  const a = info(projectA);
  const ref = parseImageRef(match.fields.image ?? '');
  const tag = match.fields.tag;
  const imageName = match.fields.image ?? '';
  const base = {
    ...baseDiagnosis(input, a, checks),
    resource: { kind: 'image' as const, name: tag ? `${imageName}:${tag}` : imageName },
  };

  if (!ref) {
    check('image', 'unknown', fact`The log does not name the image.`);
    return {
      ...base,
      verdict: 'unverifiable',
      confidence: 'suspected',
      rootCauseKey: `unverifiable:${a.id}:${match.pattern}`,
    };
  }

  const host = registryHostOf(projectA) ?? (await registryHostFromAnyProject(gitlab, ref.path));
  if (!host) {
    check(
      'registry',
      'unknown',
      fact`GitLab did not say where this instance's container registry is.`,
    );
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
      fact`The image is on ${ref.host ?? 'Docker Hub'}, not on this GitLab's registry (${host}).`,
    );
    return {
      ...base,
      verdict: 'not-instance-registry',
      confidence: 'verified',
      rootCauseKey: `not-instance-registry:${a.id}:${ref.name.toLowerCase()}`,
    };
  }
  check('registry', 'pass', fact`The image is on this GitLab's registry (${host}).`);

  const owner = await findOwner(gitlab, ref.path);
  // A project the job's user cannot see is reported as one that does not exist.
  if (!owner || !(await jobUserSees(gitlab, job, owner.project))) {
    noProjectSeen(check, ref.path);
    return {
      ...base,
      verdict: 'project-not-found',
      confidence: 'suspected',
      rootCauseKey: `project-not-found:${ref.path.toLowerCase()}`,
      fix: {
        kind: 'check-project-path',
        named: ref.path,
        similar: await similarProjects(
          gitlab,
          projectA,
          ownerCandidates(ref.path).map((c) => c.projectPath),
        ),
      },
    };
  }
  const projectB = owner.project;
  const b = info(projectB);
  const target = targetOf(projectB, owner.projectPath);
  check('owner', 'pass', fact`The image belongs to project ${b.path}.`);
  const withTarget = { ...base, target };

  if (projectB.containerRegistryAccessLevel === 'disabled') {
    check('registry-enabled', 'fail', fact`The container registry of ${b.path} is turned off.`);
    return {
      ...withTarget,
      verdict: 'registry-disabled',
      confidence: 'verified',
      rootCauseKey: `registry-disabled:${b.id}`,
      fix: { kind: 'enable-registry', target: b },
    };
  }

  const scope =
    a.id === b.id
      ? ('pass' as const)
      : await checkJobTokenScope(gitlab, projectA, projectB, check, target.path);
  if (a.id === b.id) {
    check(
      'job-token',
      'pass',
      fact`The image belongs to the job’s own project, which its job token may always read.`,
    );
  }
  const user = await checkUserAccess(gitlab, job, projectB, check);
  const image = await checkImageAndTag(gitlab, projectB, owner.repository, ref.name, tag, check);

  const trusted = match.runnerWritten;
  if (!trusted) {
    check(
      'evidence',
      'unknown',
      match.runnerPrefix
        ? fact`The denial is not in the runner's own words while it prepared the job (a git server or the project may have printed it), so the bot offers no change from it.`
        : fact`The denial was printed while the job's script ran, not by the runner, so the bot offers no change from it.`,
    );
  }
  const decide = decider(withTarget, trusted);
  const allowlist: Fix = { kind: 'allowlist-add', target: b, source: a };

  // The registry refuses the token before it looks for the image, so an
  // access failure explains "pull access denied" even when the tag is missing.
  if (user.result === 'fail') {
    return userLacksAccess(decide, b, job);
  }
  if (scope === 'fail') {
    const missing = decide(
      'allowlist-missing',
      user.result === 'pass',
      `allowlist-missing:${b.id}<-${a.id}`,
      allowlist,
    );
    // The entry alone will not let the job pass: the image or tag must exist too.
    if (image.result === 'fail') {
      return { ...missing, alsoNeeded: { verdict: image.verdict, fix: image.fix } };
    }
    return missing;
  }
  if (image.result === 'fail') return decide(image.verdict, true, image.key, image.fix);
  if (scope === 'unknown' && user.result === 'pass' && image.result === 'pass') {
    // Everything else that can refuse this pull was checked and allows it, so
    // the allowlist the bot may not read is what is left: say so, as suspected.
    check(
      'conclusion',
      'unknown',
      fact`Everything else that can refuse this pull allows it, so the job token allowlist of ${b.path} is the likely cause.`,
    );
    return decide('allowlist-missing', false, `allowlist-missing:${b.id}<-${a.id}`, allowlist);
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

async function registryHostFromAnyProject(gitlab: GitlabPort, imagePath: string) {
  const owner = await findOwner(gitlab, imagePath);
  return owner ? registryHostOf(owner.project) : undefined;
}

/** The project that owns an image path (the longest existing project path it starts with). */
export async function findOwner(gitlab: GitlabPort, imagePath: string) {
  for (const candidate of ownerCandidates(imagePath)) {
    try {
      return {
        project: await gitlab.getProject(candidate.projectPath),
        repository: candidate.repository,
        projectPath: candidate.projectPath,
      };
    } catch (error) {
      if (!(error instanceof GitlabNotFoundError)) throw error;
    }
  }
  return undefined;
}

/** The registry follows the project's visibility unless it is set to members only. */
async function checkUserAccess(
  gitlab: GitlabPort,
  job: Job,
  b: Project,
  check: Recorder,
): Promise<{ result: Check['result'] }> {
  const registry = b.containerRegistryAccessLevel ?? 'enabled';
  const open = registry === 'enabled';
  const result = await checkReadAccess(gitlab, job, b, check, {
    need: 'pull its images',
    ...(open && b.visibility === 'public'
      ? { publicDetail: fact`${b.pathWithNamespace} is public, so anyone may pull its images.` }
      : {}),
    ...(open && b.visibility === 'internal'
      ? {
          internalDetail: fact`${b.pathWithNamespace} is internal, so every signed-in user may pull its images.`,
        }
      : {}),
  });
  return { result };
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
      check('image', 'unknown', fact`The bot cannot list the images of ${b.pathWithNamespace}.`);
      return { result: 'unknown' };
    }
    throw error;
  }
  const wanted =
    `${b.pathWithNamespace}${repositoryName ? `/${repositoryName}` : ''}`.toLowerCase();
  const repository = repositories.find((r) => r.path.toLowerCase() === wanted);
  if (!repository) {
    check('image', 'fail', fact`${b.pathWithNamespace} has no image named ${wanted}.`);
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
  check('image', 'pass', fact`The image ${wanted} exists.`);
  if (!tag) return { result: 'pass' };
  const tags = await gitlab.listRegistryTags(b.id, repository.id);
  if (tags.includes(tag)) {
    check('tag', 'pass', fact`The tag ${tag} exists.`);
    return { result: 'pass' };
  }
  check('tag', 'fail', fact`The image has no tag ${tag}.`);
  return {
    result: 'fail',
    verdict: 'tag-not-found',
    key: `tag-not-found:${wanted}:${tag}`,
    fix: { kind: 'use-existing-tag', image: imageName, tag, tags: nearestTags(tag, tags) },
  };
}
