/**
 * A project's CI configuration as GitLab expands it (`Gitlab::Ci::Config`): `include:` (local,
 * project, nested), then `extends:`, checked for the mistakes GitLab reports first. Serves
 * `GET /projects/:id/ci/lint` and the pipelines run from the repository's `.gitlab-ci.yml`.
 */
import { parse, stringify } from 'yaml';
import { canReadCode } from './rules.js';
import type { Project } from './types.js';
import type { World } from './world.js';

export const CI_CONFIG_PATH = '.gitlab-ci.yml';

/**
 * Keys of the top level that are not jobs. Like the rest of the simulator, its own list, not
 * the bot's (audit/references.ts): GitLab's answers are what the bot is tested against, and a
 * list they shared would make the bot's mistakes GitLab's too.
 */
const GLOBAL_KEYWORDS = new Set([
  'default',
  'include',
  'stages',
  'variables',
  'workflow',
  'image',
  'services',
  'before_script',
  'after_script',
  'cache',
  'spec',
  'types',
  'pages:deploy',
]);

const MAX_INCLUDES = 150;
const MAX_EXTENDS_DEPTH = 11;

export type Config = Record<string, unknown>;

/** One entry of the lint answer's `includes` (`Gitlab::Ci::Config::External::File::Base#metadata`). */
export interface IncludeRecord {
  type: 'local' | 'file' | 'remote' | 'template';
  location: string;
  blob: string | null;
  raw: string | null;
  extra: Record<string, string>;
  context_project: string;
  context_sha: string | null;
}

export interface LintResult {
  valid: boolean;
  errors: string[];
  warnings: string[];
  /** The expanded configuration as Ruby's `to_yaml` writes GitLab's symbol-keyed hash. */
  merged_yaml: string | null;
  includes: IncludeRecord[] | null;
  /** The expanded configuration, for the simulated pipeline. */
  config?: Config;
}

class ConfigError extends Error {}

function isMap(value: unknown): value is Config {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Hashes merge key by key, anything else is replaced (ActiveSupport's `deep_merge`). */
function deepMerge(base: Config, over: Config): Config {
  const out: Config = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function loadYaml(text: string): Config {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new ConfigError(`(<unknown>): ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  if (!isMap(value)) throw new ConfigError('Invalid configuration format');
  return value;
}

interface ExpandContext {
  world: World;
  userId: number;
  includes: IncludeRecord[];
}

function blobUrl(world: World, project: Project, path: string): string {
  return `${world.externalUrl}/${project.pathWithNamespace}/-/blob/${project.defaultBranch}/${path}`;
}

function includeEntries(value: unknown): Config[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((entry) => {
    if (typeof entry === 'string') {
      return /^https?:\/\//.test(entry) ? { remote: entry } : { local: entry };
    }
    if (isMap(entry)) return entry;
    throw new ConfigError('Included file is invalid: use a path or a hash');
  });
}

/** The included files' configurations, in order, each expanded in its own project. */
function expandIncludes(
  ctx: ExpandContext,
  project: Project,
  config: Config,
  depth: number,
): Config {
  let merged: Config = {};
  for (const entry of includeEntries(config.include)) {
    if (ctx.includes.length >= MAX_INCLUDES) {
      throw new ConfigError(`Maximum of ${MAX_INCLUDES} nested includes are allowed!`);
    }
    const files: { owner: Project; path: string; type: IncludeRecord['type'] }[] = [];
    if (typeof entry.local === 'string') {
      files.push({ owner: project, path: entry.local, type: 'local' });
    } else if (typeof entry.project === 'string') {
      const owner = ctx.world.projectByPath(entry.project);
      if (!owner || !canReadCode(ctx.world, ctx.userId, owner)) {
        throw new ConfigError(
          `Project \`${entry.project}\` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined.`,
        );
      }
      const paths = Array.isArray(entry.file) ? entry.file : [entry.file];
      for (const path of paths) files.push({ owner, path: String(path), type: 'file' });
    } else if (typeof entry.remote === 'string') {
      throw new ConfigError(
        `Remote file \`${entry.remote}\` could not be fetched because of a socket error!`,
      );
    } else if (typeof entry.template === 'string') {
      throw new ConfigError(`Template file \`${entry.template}\` is not a valid location!`);
    } else {
      throw new ConfigError('Included file is invalid: use local, project, remote or template');
    }
    for (const file of files) {
      const path = file.path.replace(/^\/+/, '');
      const text = file.owner.files.get(path);
      if (text === undefined) {
        throw new ConfigError(
          file.type === 'local'
            ? `Local file \`${file.path}\` does not exist!`
            : `Project \`${file.owner.pathWithNamespace}\` file \`${file.path}\` does not exist!`,
        );
      }
      ctx.includes.push({
        type: file.type,
        location: file.path,
        blob: blobUrl(ctx.world, file.owner, path),
        raw: `${ctx.world.externalUrl}/${file.owner.pathWithNamespace}/-/raw/${file.owner.defaultBranch}/${path}`,
        extra: file.type === 'file' ? { project: file.owner.pathWithNamespace, ref: 'HEAD' } : {},
        context_project: project.pathWithNamespace,
        context_sha: null,
      });
      const included = loadYaml(text);
      merged = deepMerge(merged, expandFile(ctx, file.owner, included, depth + 1));
    }
  }
  return merged;
}

function expandFile(ctx: ExpandContext, project: Project, config: Config, depth: number): Config {
  if (depth > 100) throw new ConfigError('Maximum of 100 nested includes are allowed!');
  const { include: _include, ...own } = config;
  return deepMerge(expandIncludes(ctx, project, config, depth), own);
}

/** Resolves `extends:` the way `Gitlab::Ci::Config::Extendable` does (the key stays). */
function resolveExtends(config: Config): Config {
  const out: Config = { ...config };
  const resolving = new Set<string>();
  const done = new Set<string>();
  const resolve = (name: string, depth: number): Config => {
    const job = out[name];
    if (!isMap(job)) throw new ConfigError(`${name}: unknown keys in \`extends\``);
    if (done.has(name) || job.extends === undefined) return job;
    if (depth > MAX_EXTENDS_DEPTH) {
      throw new ConfigError(`${name}: nesting too deep in \`extends\``);
    }
    if (resolving.has(name)) {
      throw new ConfigError(`${name}: circular dependency detected in \`extends\``);
    }
    resolving.add(name);
    const parents = Array.isArray(job.extends) ? job.extends : [job.extends];
    let base: Config = {};
    for (const parent of parents) {
      if (!isMap(out[String(parent)])) {
        throw new ConfigError(`${name}: unknown keys in \`extends\` (${String(parent)})`);
      }
      base = deepMerge(base, resolve(String(parent), depth + 1));
    }
    const merged = deepMerge(base, job);
    out[name] = merged;
    resolving.delete(name);
    done.add(name);
    return merged;
  };
  for (const name of Object.keys(out)) {
    if (isMap(out[name]) && (out[name] as Config).extends !== undefined) resolve(name, 0);
  }
  return out;
}

/** The visible jobs of an expanded configuration. */
export function jobsOf(config: Config): [string, Config][] {
  return Object.entries(config).flatMap(([name, value]) =>
    GLOBAL_KEYWORDS.has(name) || name.startsWith('.') || !isMap(value) ? [] : [[name, value]],
  );
}

function validate(config: Config): string[] {
  const errors: string[] = [];
  for (const [name, value] of Object.entries(config)) {
    if (GLOBAL_KEYWORDS.has(name) || name.startsWith('.')) continue;
    if (!isMap(value)) {
      errors.push(`jobs:${name} config should be a hash`);
      continue;
    }
    if (value.script === undefined && value.trigger === undefined && value.run === undefined) {
      errors.push(`jobs:${name} config should implement the script:, run:, or trigger: keyword`);
    }
  }
  if (errors.length === 0 && jobsOf(config).length === 0) {
    errors.push('jobs config should contain at least one visible job');
  }
  return errors;
}

/** Ruby symbol keys all the way down, as `Hash#to_yaml` writes GitLab's config. */
function symbolKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(symbolKeys);
  if (!isMap(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [`:${k}`, symbolKeys(v)]));
}

/** The CI file of the default branch: the repository's, or the newest pipeline's there. */
export function ciFileOf(world: World, project: Project): string | undefined {
  return (
    project.files.get(CI_CONFIG_PATH) ??
    [...world.pipelines]
      .reverse()
      .find((p) => p.projectId === project.id && p.ref === project.defaultBranch)?.ciConfig
  );
}

/** Lints the default branch's CI file as `userId` (whose rights decide project includes). */
export function lintProjectConfig(world: World, project: Project, userId: number): LintResult {
  const content = ciFileOf(world, project);
  const includes: IncludeRecord[] = [];
  if (content === undefined || content.trim() === '') {
    return {
      valid: false,
      errors: ['Please provide content of .gitlab-ci.yml'],
      warnings: [],
      merged_yaml: null,
      includes: null,
    };
  }
  let config: Config;
  try {
    config = resolveExtends(expandFile({ world, userId, includes }, project, loadYaml(content), 0));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      valid: false,
      errors: [error.message],
      warnings: [],
      merged_yaml: null,
      includes: null,
    };
  }
  const errors = validate(config);
  return {
    valid: errors.length === 0,
    errors,
    warnings: [],
    merged_yaml: `---\n${stringify(symbolKeys(config), { lineWidth: 0 })}`,
    includes,
    config,
  };
}
