/**
 * A pipeline made from the repository's own `.gitlab-ci.yml` (expanded like the CI lint does)
 * and `.gitmodules`, so a test world can be written as CI files and run: each job's image,
 * services, `needs:project` and submodules (with `GIT_SUBMODULE_STRATEGY`) become its spec.
 */
import { jobsOf, lintProjectConfig, type Config } from './ci-lint.js';
import type { JobSpec, NeedsProjectSpec, Pipeline, SubmoduleSpec, TokenStep } from './types.js';
import type { World } from './world.js';

function isMap(value: unknown): value is Config {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function imageName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isMap(value) && typeof value.name === 'string') return value.name;
  return undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** `[submodule "x"] path = …, url = …` → paths and project paths on this instance. */
export function submodulesOf(world: World, projectPath: string, text: string): SubmoduleSpec[] {
  const out: SubmoduleSpec[] = [];
  const base = `${world.externalUrl}/${projectPath}`;
  for (const section of text.split(/^\s*\[submodule\b/m).slice(1)) {
    const path = /^\s*path\s*=\s*(?<v>.+?)\s*$/m.exec(section)?.groups?.v;
    const url = /^\s*url\s*=\s*(?<v>.+?)\s*$/m.exec(section)?.groups?.v;
    if (!path || !url) continue;
    // Relative URLs are relative to the superproject's own URL, as git resolves them.
    const absolute = /^\.\.?\//.test(url) ? new URL(url, `${base}/`).toString() : url;
    const prefix = `${world.externalUrl}/`;
    if (!absolute.startsWith(prefix)) continue;
    out.push({ path, project: absolute.slice(prefix.length).replace(/\.git$/, '') });
  }
  return out;
}

const GIT_CLONE =
  /^git clone https:\/\/gitlab-ci-token:\$\{?CI_JOB_TOKEN\}?@\$\{?CI_SERVER_HOST\}?\/(?<project>[^\s]+?)\.git$/;
const CURL =
  /^curl --fail --header "JOB-TOKEN: \$CI_JOB_TOKEN" "\$\{CI_API_V4_URL\}\/projects\/(?<project>[^/"]+)\/(?<endpoint>[^"]+)"$/;

/** Script lines written the way `ci-config.ts` writes token steps become those steps again. */
function splitScript(lines: string[]): { tokenSteps: TokenStep[]; script: string[] } {
  const tokenSteps: TokenStep[] = [];
  const script: string[] = [];
  for (const line of lines) {
    const clone = GIT_CLONE.exec(line)?.groups;
    const curl = CURL.exec(line)?.groups;
    if (clone?.project) tokenSteps.push({ kind: 'git-clone', project: clone.project });
    else if (curl?.project && curl.endpoint) {
      const id = decodeURIComponent(curl.project);
      tokenSteps.push({
        kind: 'curl',
        project: /^\d+$/.test(id) ? Number(id) : id,
        endpoint: curl.endpoint,
        apiUrlVariable: true,
      });
    } else script.push(line);
  }
  return { tokenSteps, script };
}

function jobSpec(
  world: World,
  projectPath: string,
  name: string,
  job: Config,
  config: Config,
  gitmodules: string | undefined,
): JobSpec {
  const defaults = isMap(config.default) ? config.default : {};
  const image = imageName(job.image ?? defaults.image ?? config.image);
  if (image === undefined) throw new Error(`job ${name} has no image`);
  const services = list(job.services ?? defaults.services ?? config.services)
    .map(imageName)
    .filter((s): s is string => s !== undefined);
  const needs: NeedsProjectSpec[] = list(job.needs).flatMap((n) =>
    isMap(n) && typeof n.project === 'string'
      ? [{ project: n.project, job: String(n.job), ref: String(n.ref ?? 'main') }]
      : [],
  );
  const variables = {
    ...(isMap(config.variables) ? config.variables : {}),
    ...(isMap(job.variables) ? job.variables : {}),
  };
  const strategy = String(variables.GIT_SUBMODULE_STRATEGY ?? 'none');
  const submodules =
    ['normal', 'recursive'].includes(strategy) && gitmodules !== undefined
      ? submodulesOf(world, projectPath, gitmodules)
      : [];
  const artifacts = isMap(job.artifacts) ? list(job.artifacts.paths).map(String) : [];
  const { tokenSteps, script } = splitScript(list(job.script).map(String));
  return {
    name,
    stage: typeof job.stage === 'string' ? job.stage : 'test',
    image,
    ...(services.length ? { services } : {}),
    ...(needs.length ? { needs } : {}),
    ...(submodules.length ? { submodules } : {}),
    ...(artifacts.length ? { artifacts } : {}),
    ...(tokenSteps.length ? { tokenSteps } : {}),
    script,
    ...(job.allow_failure === true ? { allowFailure: true } : {}),
  };
}

/**
 * Runs the default branch's CI configuration as `userId`. Throws when it is invalid (GitLab
 * would not create the pipeline's jobs either).
 */
export function runRepositoryPipeline(
  world: World,
  input: { projectId: number; userId: number; ref?: string },
): Pipeline {
  const project = world.requireProject(input.projectId);
  const lint = lintProjectConfig(world, project, input.userId);
  if (!lint.valid || !lint.config) {
    throw new Error(`${project.pathWithNamespace}: ${lint.errors.join('; ')}`);
  }
  const config = lint.config;
  const gitmodules = project.files.get('.gitmodules');
  const jobs = jobsOf(config).map(([name, job]) =>
    jobSpec(world, project.pathWithNamespace, name, job, config, gitmodules),
  );
  return world.runPipeline({
    projectId: project.id,
    ref: input.ref ?? project.defaultBranch,
    userId: input.userId,
    jobs,
  });
}
