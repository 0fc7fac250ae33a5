import fs from 'node:fs';
import { parseDocument } from 'yaml';
import type { IssueList } from './issue.js';
import {
  CONFIG_FILE_ENV,
  ENV_BINDINGS,
  defaultOf,
  type EnvBinding,
  type SettingKey,
} from './settings.js';
import { showValue } from './schema.js';
import { nearest } from './suggest.js';

/** A value for one leaf setting and the name the user gave it, for messages. */
export interface SettingValue {
  readonly value: unknown;
  readonly label: string;
}

/** The values one source sets, by dotted setting path. */
export type Layer = Map<string, SettingValue>;

interface TreeReader {
  readonly keys: readonly SettingKey[];
  readonly issues: IssueList;
  readonly layer: Layer;
  /** The name of a key as the user wrote it, e.g. `config.yaml: http.port`. */
  label(userPath: string): string;
  /** Whether a key with no value deserves a warning (in a file it is usually a slip). */
  readonly warnOnNull: boolean;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function spell(key: SettingKey, userKey: string): string {
  return userKey.includes('_') && key.alias !== undefined ? key.alias : key.key;
}

function readTree(
  source: Record<string, unknown>,
  parent: string,
  userPrefix: string,
  reader: TreeReader,
): void {
  const children = reader.keys.filter((key) => key.parent === parent);
  const seen = new Map<string, string>();
  for (const [userKey, value] of Object.entries(source)) {
    const userPath = userPrefix === '' ? userKey : `${userPrefix}.${userKey}`;
    const setting = reader.label(userPath);
    const key = children.find((child) => child.key === userKey || child.alias === userKey);
    if (key === undefined) {
      const names = children.flatMap((child) => [child.key, ...(child.alias ? [child.alias] : [])]);
      const guessed = nearest(userKey, names);
      const match =
        guessed === undefined
          ? undefined
          : children.find((child) => child.key === guessed || child.alias === guessed);
      // Suggest in the user's own style: snake_case for snake_case.
      const guess = match && spell(match, userKey);
      const fix =
        guess === undefined
          ? `remove it; known keys here: ${children.map((child) => child.key).join(', ')}`
          : `did you mean ${guess}?`;
      reader.issues.errors.push({ setting, message: `${setting} is not a setting: ${fix}` });
      continue;
    }
    const twin = seen.get(key.path);
    if (twin !== undefined) {
      reader.issues.errors.push({
        setting,
        message: `${setting} repeats ${twin}, the same setting: keep one of them`,
      });
      continue;
    }
    seen.set(key.path, userKey);
    if (value === undefined) continue;
    if (value === null) {
      if (reader.warnOnNull) {
        reader.issues.warnings.push({
          setting,
          message: `${setting} has no value and is ignored: give it one, or remove the line`,
        });
      }
      continue;
    }
    if (key.group) {
      if (!isMapping(value)) {
        const members = reader.keys.filter((child) => child.parent === key.path);
        reader.issues.errors.push({
          setting,
          message: `${setting} is ${showValue(value)}, not a mapping: write it with its keys (${members
            .map((member) => spell(member, userKey))
            .join(', ')}) indented below it`,
        });
        continue;
      }
      readTree(value, key.path, userPath, reader);
      continue;
    }
    reader.layer.set(key.path, { value, label: setting });
  }
}

export interface FileSource {
  readonly path: string;
  /** How the user named the file: `DIAGNOSER_CONFIG`, or the path itself. */
  readonly setting: string;
}

function yamlProblem(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/\s*at line \d+, column \d+:?\s*$/, '').replace(/\.$/, '');
}

/** Reads the YAML settings file into a layer. */
export function readConfigFile(
  file: FileSource,
  keys: readonly SettingKey[],
  issues: IssueList,
): Layer {
  const layer: Layer = new Map();
  let text: string;
  try {
    text = fs.readFileSync(file.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const named =
      file.setting === CONFIG_FILE_ENV ? `${CONFIG_FILE_ENV} names ${file.path}, which` : file.path;
    const message =
      code === 'ENOENT'
        ? `${named} does not exist: create it, or fix the path`
        : code === 'EISDIR'
          ? `${named} is a folder: give the path of a YAML file`
          : `${named} cannot be read (${code}): let the user running pipeline-diagnoser read it`;
    issues.errors.push({ setting: file.setting, message });
    return layer;
  }

  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const position = error.linePos?.[0];
      const where = position ? `line ${position.line}, column ${position.col}` : 'somewhere';
      issues.errors.push({
        setting: file.path,
        message: `${file.path}: YAML error at ${where}: ${yamlProblem(error.message)}: fix the syntax there (indentation, quotes, colons)`,
      });
    }
    return layer;
  }

  const root: unknown = document.toJS();
  if (root === null || root === undefined) {
    return layer;
  }
  if (!isMapping(root)) {
    issues.errors.push({
      setting: file.path,
      message: `${file.path} holds ${showValue(root)}, not settings: write one "key: value" per line, e.g. schedule: "*/5 * * * *"`,
    });
    return layer;
  }
  readTree(root, '', '', {
    keys,
    issues,
    layer,
    label: (userPath) => `${file.path}: ${userPath}`,
    warnOnNull: true,
  });

  const token = layer.get('gitlabToken');
  if (token !== undefined && process.platform !== 'win32') {
    const mode = fs.statSync(file.path).mode;
    if ((mode & 0o077) !== 0) {
      issues.warnings.push({
        setting: token.label,
        message: `${token.label}: ${file.path} can be read by other users: run chmod 600 on it, or set GITLAB_TOKEN instead`,
      });
    }
  }
  return layer;
}

function parseEnvValue(raw: string, binding: EnvBinding, path: string, issues: IssueList): unknown {
  const text = raw.trim();
  switch (binding.kind) {
    case 'text':
      return text;
    case 'lowercase':
      return text.toLowerCase();
    case 'list':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      issues.errors.push({
        setting: binding.name,
        message: `${binding.name} ${showValue(raw)} is not true or false: use true, false, 1 or 0`,
      });
      return undefined;
    }
    case 'integer':
      if (/^\d+$/.test(text)) return Number(text);
      issues.errors.push({
        setting: binding.name,
        message: `${binding.name} ${showValue(raw)} is not a whole number: write e.g. ${String(defaultOf(path))}`,
      });
      return undefined;
  }
}

/** Reads the environment variables of ENV_BINDINGS; warns about unknown DIAGNOSER_ ones. */
export function readEnv(
  env: Readonly<Record<string, string | undefined>>,
  issues: IssueList,
): Layer {
  const layer: Layer = new Map();
  for (const [path, binding] of Object.entries(ENV_BINDINGS)) {
    const raw = env[binding.name];
    // Compose files often pass unset variables through as ''.
    if (raw === undefined || raw.trim() === '') continue;
    const value = parseEnvValue(raw, binding, path, issues);
    if (value !== undefined) {
      layer.set(path, { value, label: binding.name });
    }
  }

  const known = [CONFIG_FILE_ENV, ...Object.values(ENV_BINDINGS).map((binding) => binding.name)];
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('DIAGNOSER_') && !known.includes(name)) {
      const guess = nearest(name, known);
      issues.warnings.push({
        setting: name,
        message: `${name} is not a pipeline-diagnoser setting and is ignored: ${
          guess === undefined
            ? 'remove it, or see the settings reference (--help)'
            : `did you mean ${guess}?`
        }`,
      });
    }
  }
  return layer;
}

function kebabCase(path: string): string {
  return path.replace(/\./g, '-').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Reads programmatic overrides (CLI flags); each is named by `labels[path]` or `--kebab-path`. */
export function readOverrides(
  overrides: Readonly<Record<string, unknown>>,
  labels: Readonly<Record<string, string>>,
  keys: readonly SettingKey[],
  issues: IssueList,
): Layer {
  const layer: Layer = new Map();
  readTree(overrides, '', '', {
    keys,
    issues,
    layer,
    label: (path) => labels[path] ?? `--${kebabCase(path)}`,
    warnOnNull: false,
  });
  return layer;
}
