/**
 * What one project's CI jobs reach in other projects of this GitLab: images and services on
 * the instance registry, `needs:project` artifacts, and submodules. Read from the merged
 * configuration GitLab builds (`include:` and templates count), or from the file itself when
 * GitLab cannot build it; the owner of an image is found the way the resolvers find it.
 */
import { GitlabAuthError, GitlabNotFoundError, errorMessage } from '../errors.js';
import type { GitlabPort, Project } from '../gitlab/port.js';
import { parseImageRef } from '../patterns/image-ref.js';
import { findProject } from '../resolve/common.js';
import type { Instance } from '../resolve/gitlab-urls.js';
import { findOwner } from '../resolve/registry-access.js';
import { sameRegistry } from '../resolve/registry-host.js';
import { parseGitmodules, submoduleProject } from './gitmodules.js';
import { parseCiYaml, referencesOf } from './references.js';
import type { AuditKind, AuditProblem } from '../domain/audit.js';

/** One way a source project's jobs reach a target project. */
export interface Use {
  kind: Exclude<AuditKind, 'auth-log'>;
  target: Project;
  via: string;
}

export interface Discovery {
  uses: Use[];
  problems: AuditProblem[];
  /** False when the project has no CI configuration at all. */
  hasCi: boolean;
}

const CI_FILE = '.gitlab-ci.yml';

/** The file itself, or undefined when there is none. */
async function rawFile(gitlab: GitlabPort, projectId: number, path: string) {
  try {
    return await gitlab.getRawFile(projectId, path, 'HEAD');
  } catch (error) {
    if (error instanceof GitlabNotFoundError) return undefined;
    throw error;
  }
}

/**
 * The configuration to read: the merged YAML when GitLab could build it, else the file alone
 * (its includes not followed, which the problems say), else nothing (with the reason).
 */
async function readConfig(
  gitlab: GitlabPort,
  project: Project,
  problems: AuditProblem[],
): Promise<{ config: Record<string, unknown>; resolved: boolean } | 'no-ci' | undefined> {
  const where = project.pathWithNamespace;
  let lintError: string | undefined;
  try {
    const lint = await gitlab.lintCiConfig(project.id);
    if (lint.mergedYaml) {
      if (!lint.valid) {
        problems.push({
          where,
          message: `GitLab says the CI configuration is invalid: ${lint.errors.join('; ')}`,
        });
      }
      return { config: parseCiYaml(lint.mergedYaml), resolved: true };
    }
    lintError = lint.errors.join('; ');
  } catch (error) {
    if (!(error instanceof GitlabNotFoundError || error instanceof GitlabAuthError)) throw error;
  }
  const text = await rawFile(gitlab, project.id, CI_FILE);
  if (text === undefined || text.trim() === '') return 'no-ci';
  try {
    const config = parseCiYaml(text);
    problems.push({
      where,
      message: `GitLab could not expand the CI configuration${lintError ? ` (${lintError})` : ''}; the audit read ${CI_FILE} alone, without what it includes.`,
    });
    return { config, resolved: false };
  } catch (error) {
    problems.push({
      where,
      message: `The CI configuration cannot be read: ${lintError ?? errorMessage(error)}`,
    });
    return undefined;
  }
}

/** The variables GitLab predefines that name places on this instance. */
function predefined(project: Project, registryHost: string | undefined, instance: Instance) {
  const server = new URL(instance.bases[0] ?? 'https://gitlab.invalid');
  return {
    CI_PROJECT_PATH: project.pathWithNamespace,
    CI_PROJECT_NAMESPACE: project.namespace.fullPath,
    CI_SERVER_HOST: server.hostname,
    CI_SERVER_URL: server.origin,
    ...(registryHost
      ? {
          CI_REGISTRY: registryHost,
          CI_REGISTRY_IMAGE: `${registryHost}/${project.pathWithNamespace.toLowerCase()}`,
        }
      : {}),
  };
}

/**
 * Everything `project`'s jobs reach in other projects. `registryHost` is the instance
 * registry's host[:port] (images elsewhere are not this GitLab's business).
 */
export async function discoverUses(
  gitlab: GitlabPort,
  project: Project,
  registryHost: string | undefined,
  instance: Instance,
): Promise<Discovery> {
  const problems: AuditProblem[] = [];
  const where = project.pathWithNamespace;
  const read = await readConfig(gitlab, project, problems);
  if (read === 'no-ci') return { uses: [], problems, hasCi: false };
  if (!read) return { uses: [], problems, hasCi: true };
  const { references, problems: unread } = referencesOf(read.config, {
    resolved: read.resolved,
    known: predefined(project, registryHost, instance),
  });
  for (const message of unread) problems.push({ where, message });

  const uses: Use[] = [];
  const add = (kind: Use['kind'], target: Project, via: string) => {
    if (target.id !== project.id) uses.push({ kind, target, via });
  };
  let submodulesWanted: string | undefined;
  for (const reference of references) {
    if (reference.kind === 'submodules') {
      submodulesWanted ??= reference.job;
      continue;
    }
    if (reference.kind === 'artifacts') {
      const target = await findProject(gitlab, reference.project);
      if (target) {
        add(
          'artifacts',
          target,
          `job ${reference.job}: needs:project ${reference.project} (job ${reference.neededJob}, ref ${reference.ref})`,
        );
      } else {
        problems.push({
          where,
          message: `job ${reference.job}: needs:project names ${reference.project}, which the bot cannot see`,
        });
      }
      continue;
    }
    const ref = parseImageRef(reference.image);
    if (!ref?.host || !registryHost || !sameRegistry(ref.host, registryHost)) continue;
    const owner = await findOwner(gitlab, ref.path);
    const what = `${reference.service ? 'service' : 'image'} ${reference.image}`;
    if (owner) add('image', owner.project, `job ${reference.job}: ${what}`);
    else {
      problems.push({
        where,
        message: `job ${reference.job}: ${what} is on this GitLab's registry, but no project the bot can see owns it`,
      });
    }
  }
  if (submodulesWanted !== undefined) {
    const text = await rawFile(gitlab, project.id, '.gitmodules');
    for (const submodule of text === undefined ? [] : parseGitmodules(text)) {
      const path = submoduleProject(submodule.url, project.webUrl, instance);
      if (path === undefined) continue;
      const target = await findProject(gitlab, path);
      if (target) {
        add(
          'submodule',
          target,
          `job ${submodulesWanted}: submodule ${submodule.path} (${submodule.url})`,
        );
      } else {
        problems.push({
          where,
          message: `submodule ${submodule.path} names ${path}, which the bot cannot see`,
        });
      }
    }
  }
  return { uses, problems, hasCi: true };
}
