import { fact, type Check, type Diagnosis } from '../domain/diagnosis.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import type { GitlabPort, Project } from '../gitlab/port.js';
import { findProject, type Recorder } from './common.js';
import { apiTarget, cleanUrl, npmPackageName } from './gitlab-urls.js';
import { instancePath, resolveJobTokenAccess, type Target } from './job-token-access.js';
import type { ResolveInput } from './types.js';

/**
 * A package manager refused by a GitLab package registry. Project-level URLs
 * (`/projects/<id>/packages/…`) name B by id or path. The instance-level npm
 * endpoint (`/packages/npm/@scope%2fname`) only names the package: GitLab
 * looks it up in the top-level group named like the scope, so the bot looks
 * there for the project named like the package (GitLab's documented layout)
 * and says it guessed; the port has no package search to be sure.
 */
export async function resolvePackageAccess(input: ResolveInput): Promise<Diagnosis> {
  const { gitlab, job, match } = input;
  const projectA = await gitlab.getProject(job.pipeline.projectId);
  const url = match.fields.url;
  const { target, pkg } = await packageTarget(input, url, projectA);
  return resolveJobTokenAccess(input, {
    resource: { kind: 'package', name: pkg ?? (url ? cleanUrl(url) : 'the package') },
    target,
    userNeeds: 'read its packages',
    resourceCheck: (b: Project, check: Recorder) => checkPackage(input.gitlab, b, pkg, check),
  });
}

/** Whether B publishes the package (any version: the log rarely says which one). */
async function checkPackage(
  gitlab: GitlabPort,
  b: Project,
  pkg: string | undefined,
  check: Recorder,
): Promise<Check['result']> {
  if (!pkg) {
    check(
      'package',
      'unknown',
      fact`The log does not name the package, so the bot could not look for it.`,
    );
    return 'unknown';
  }
  let packages;
  try {
    packages = await gitlab.listPackages({ projectId: b.id }, { name: pkg });
  } catch (error) {
    if (error instanceof GitlabAuthError || error instanceof GitlabNotFoundError) {
      check(
        'package',
        'unknown',
        fact`The bot cannot list the packages of ${b.pathWithNamespace}.`,
      );
      return 'unknown';
    }
    throw error;
  }
  const found = packages.filter((p) => p.name.toLowerCase() === pkg.toLowerCase());
  if (found.length === 0) {
    check('package', 'fail', fact`${b.pathWithNamespace} has no package ${pkg}.`);
    return 'fail';
  }
  // Versions of a private project's packages are for its members only.
  if (b.visibility === 'private') {
    check('package', 'pass', fact`${b.pathWithNamespace} publishes ${pkg}.`);
  } else {
    const versions = found
      .map((p) => p.version)
      .slice(0, 5)
      .join(', ');
    check('package', 'pass', fact`${b.pathWithNamespace} publishes ${pkg} (${versions}).`);
  }
  return 'pass';
}

async function packageTarget(
  input: ResolveInput,
  url: string | undefined,
  projectA: Project,
): Promise<{ target: Target; pkg?: string }> {
  const fieldPkg = input.match.fields.package
    ? npmPackageName(input.match.fields.package)
    : undefined;
  if (!url) {
    return {
      target: { kind: 'unknown', missing: fact`The log does not show the package registry URL.` },
      ...(fieldPkg ? { pkg: fieldPkg } : {}),
    };
  }
  const where = instancePath(input, url, projectA);
  if ('target' in where) return { target: where.target };
  const api = apiTarget(where.path);
  const npm = /\/packages\/npm\/(?<pkg>\S+)$/.exec(where.path)?.groups?.pkg;
  const pkg = (npm ? npmPackageName(npm) : undefined) ?? fieldPkg;
  const withPkg = pkg ? { pkg } : {};
  if (api?.kind === 'project') {
    const project = await findProject(input.gitlab, api.id);
    if (!project) return { target: { kind: 'not-found', path: String(api.id) }, ...withPkg };
    return {
      target: {
        kind: 'found',
        named: String(api.id),
        project,
        how: (name) => fact`The package registry URL names project ${name}.`,
      },
      ...withPkg,
    };
  }
  if (api?.kind === 'variable') {
    return {
      target: {
        kind: 'unknown',
        missing: fact`The registry URL names the project with ${api.variable}, whose value the log does not show.`,
      },
      ...withPkg,
    };
  }
  if (api?.kind === 'instance-packages' && pkg) {
    return { target: await scopeOwner(input.gitlab, pkg), pkg };
  }
  return {
    target: {
      kind: 'unknown',
      missing: fact`${cleanUrl(url)} does not name a single project (a group or instance endpoint).`,
    },
    ...withPkg,
  };
}

/** The project of group `scope` that publishes `pkg`, when GitLab lists exactly one. */
async function packageHolder(gitlab: GitlabPort, scope: string, pkg: string) {
  let packages;
  try {
    packages = await gitlab.listPackages({ groupPath: scope }, { name: pkg, type: 'npm' });
  } catch (error) {
    if (error instanceof GitlabAuthError || error instanceof GitlabNotFoundError) return undefined;
    throw error;
  }
  const holders = new Set(
    packages
      .filter((p) => p.name.toLowerCase() === pkg.toLowerCase() && p.projectId !== undefined)
      .map((p) => p.projectId as number),
  );
  const [only] = holders;
  return holders.size === 1 && only !== undefined ? findProject(gitlab, only) : undefined;
}

/** The instance-level npm endpoint: the project named like the package, in the scope's group. */
async function scopeOwner(gitlab: GitlabPort, pkg: string): Promise<Target> {
  const m = /^@(?<scope>[^/]+)\/(?<name>.+)$/.exec(pkg);
  if (!m?.groups) {
    return {
      kind: 'unknown',
      missing: fact`${pkg} has no scope, so the instance-level endpoint cannot say which project holds it.`,
    };
  }
  const { scope, name } = m.groups as { scope: string; name: string };
  // GitLab itself looks the package up in the scope's group: so does the bot.
  const listed = await packageHolder(gitlab, scope, pkg);
  if (listed) {
    return {
      kind: 'found',
      named: pkg,
      project: listed,
      how: (name) => fact`GitLab lists ${pkg} in group ${scope}, published by ${name}.`,
    };
  }
  const direct = await findProject(gitlab, `${scope}/${name}`);
  let project = direct;
  if (!project) {
    let projects: { id: number; pathWithNamespace: string }[] = [];
    try {
      projects = await gitlab.listGroupProjects(scope);
    } catch {
      projects = [];
    }
    const named = projects.filter((p) =>
      p.pathWithNamespace.toLowerCase().endsWith(`/${name.toLowerCase()}`),
    );
    const only = named.length === 1 ? named[0] : undefined;
    project = only ? await findProject(gitlab, only.id) : undefined;
  }
  if (!project) {
    return {
      kind: 'unknown',
      missing: fact`The instance-level npm endpoint does not say which project of group ${scope} holds ${pkg}, and the bot found no project named ${name} there.`,
    };
  }
  return {
    kind: 'found',
    named: `${scope}/${name}`,
    project,
    guessed: true,
    how: (name) =>
      fact`The instance-level npm endpoint does not name the project; ${pkg} is most likely published by ${name} (GitLab looks in group ${scope} for it).`,
  };
}
