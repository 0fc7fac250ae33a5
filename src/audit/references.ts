/**
 * What a CI configuration makes its jobs fetch with their job token, read from the YAML alone:
 * images and services, `needs:project` artifacts, and whether submodules are cloned. Reads
 * GitLab's merged YAML (Ruby symbol keys, `:image:`) and plain `.gitlab-ci.yml` alike. Pure.
 */
import { parse } from 'yaml';

export type Reference =
  | { kind: 'image'; job: string; image: string; service: boolean }
  | { kind: 'artifacts'; job: string; project: string; neededJob: string; ref: string }
  | { kind: 'submodules'; job: string };

export interface ReadConfig {
  references: Reference[];
  /** Values the audit could not read (a variable it cannot expand, an odd entry). */
  problems: string[];
}

/** Keys of the top level that are not jobs. */
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
]);

type Map = Record<string, unknown>;

function isMap(value: unknown): value is Map {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `:image` → `image`, all the way down (GitLab's merged YAML keeps Ruby symbols). */
function plainKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainKeys);
  if (!isMap(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key.replace(/^:/, ''), plainKeys(v)]),
  );
}

/** Parses CI YAML; throws the parser's message for text that is not a mapping. */
export function parseCiYaml(text: string): Map {
  const value = plainKeys(parse(text));
  if (!isMap(value)) throw new Error('the file is not a YAML mapping');
  return value;
}

function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

function nameOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isMap(value) && typeof value.name === 'string') return value.name;
  return undefined;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isMap(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number') out[key] = String(v);
    else if (isMap(v) && typeof v.value === 'string') out[key] = v.value;
  }
  return out;
}

/**
 * Expands `$VAR` and `${VAR}` from `variables`; undefined when a variable stays unknown
 * (a CI/CD setting or one the runner sets), so the audit says so instead of guessing.
 */
function expand(text: string, variables: Record<string, string>): string | undefined {
  let unknown = false;
  let current = text;
  // Variables may refer to variables; a few rounds are enough and stop cycles.
  for (let round = 0; round < 5 && current.includes('$'); round += 1) {
    current = current.replace(/\$(?:\{(?<braced>\w+)\}|(?<bare>\w+))/g, (whole, ...args) => {
      const groups = args.at(-1) as { braced?: string; bare?: string };
      const name = groups.braced ?? groups.bare ?? '';
      const value = variables[name];
      if (value === undefined) {
        unknown = true;
        return whole;
      }
      return value;
    });
    if (unknown) return undefined;
  }
  return current.includes('$') ? undefined : current;
}

const SUBMODULE_STRATEGIES = new Set(['normal', 'recursive']);

/**
 * The references of every job. `resolved` is true for GitLab's merged YAML (includes and
 * `extends:` already applied, hidden jobs only templates); for the file alone, hidden jobs
 * count too, since jobs may extend them. `known` holds the variables GitLab predefines that
 * the audit can compute (CI_REGISTRY, CI_PROJECT_PATH…).
 */
export function referencesOf(
  config: Map,
  options: { resolved: boolean; known: Record<string, string> },
): ReadConfig {
  const references: Reference[] = [];
  const problems: string[] = [];
  const defaults = isMap(config.default) ? config.default : {};
  const globalVariables = { ...options.known, ...stringMap(config.variables) };
  const seen = new Set<string>();

  const jobs = Object.entries(config).filter(
    ([name, value]) =>
      isMap(value) && !GLOBAL_KEYWORDS.has(name) && (!name.startsWith('.') || !options.resolved),
  ) as [string, Map][];

  for (const [name, job] of jobs) {
    const variables = { ...globalVariables, ...stringMap(job.variables) };
    const images = [
      ...list(job.image ?? defaults.image ?? config.image).map((v) => ({ v, service: false })),
      ...list(job.services ?? defaults.services ?? config.services).map((v) => ({
        v,
        service: true,
      })),
    ];
    for (const { v, service } of images) {
      const raw = nameOf(v);
      if (raw === undefined) {
        problems.push(`job ${name}: an ${service ? 'service' : 'image'} entry has no name`);
        continue;
      }
      const image = expand(raw, variables);
      if (image === undefined) {
        problems.push(`job ${name}: ${raw} uses a variable the audit cannot expand`);
        continue;
      }
      const key = `image:${image}`;
      if (!seen.has(`${key}:${name}`)) {
        references.push({ kind: 'image', job: name, image, service });
      }
      seen.add(`${key}:${name}`);
    }
    for (const need of list(job.needs)) {
      if (!isMap(need) || typeof need.project !== 'string') continue;
      const project = expand(need.project, variables);
      if (project === undefined) {
        problems.push(
          `job ${name}: needs:project ${need.project} uses a variable the audit cannot expand`,
        );
        continue;
      }
      references.push({
        kind: 'artifacts',
        job: name,
        project,
        neededJob: String(need.job ?? ''),
        ref: String(need.ref ?? ''),
      });
    }
    const strategy = variables.GIT_SUBMODULE_STRATEGY ?? 'none';
    if (SUBMODULE_STRATEGIES.has(strategy)) references.push({ kind: 'submodules', job: name });
  }
  return { references, problems };
}
