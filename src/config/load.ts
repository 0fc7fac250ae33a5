import fs from 'node:fs';
import type * as z from 'zod';
import type { ConfigIssue, IssueList } from './issue.js';
import { maskSecrets } from '../domain/secrets.js';
import { isLoopbackHost } from './loopback.js';
import { Config, type ConfigInput } from './schema.js';
import { CONFIG_FILE_ENV, ENV_BINDINGS, settingKeys } from './settings.js';
import {
  readConfigFile,
  readEnv,
  readOverrides,
  type Layer,
  type SettingValue,
} from './sources.js';

export { parseDuration } from './duration.js';
export type { ConfigIssue } from './issue.js';

/** A config for real runs: the GitLab address and token are known. */
export type RunConfig = Config & { gitlabUrl: string; gitlabToken: string };

/** The poll schedule when webhooks are on and none is set: every 10 minutes. */
export const WEBHOOK_RECONCILE_SCHEDULE = '*/10 * * * *';

export interface LoadConfigOptions {
  /** Where environment variables are read; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** A YAML settings file; wins over DIAGNOSER_CONFIG. */
  file?: string;
  /** The highest-priority values, e.g. from CLI flags; `undefined` values are skipped. */
  overrides?: ConfigInput;
  /** How to name each override in messages, by setting path; default `--kebab-path`. */
  overrideLabels?: Readonly<Record<string, string>>;
  /** Whether the GitLab URL and token must be set (default true; `demo` and `classify` pass false). */
  requireGitlab?: boolean;
}

export interface LoadConfigResult<C extends Config = Config> {
  /** Set only when there are no errors. */
  config?: C;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  /** The settings file that was read, if any. */
  file?: string;
}

const REQUIRED_FOR_GITLAB: readonly { path: 'gitlabUrl' | 'gitlabToken'; fix: string }[] = [
  {
    path: 'gitlabUrl',
    fix: "set it to your GitLab's address, e.g. https://gitlab.example.com",
  },
  {
    path: 'gitlabToken',
    fix: 'set it to an access token with the api scope (personal, group or project access token)',
  },
];

function buildInput(layers: readonly Layer[]): {
  input: Record<string, unknown>;
  values: Map<string, SettingValue>;
} {
  const values = new Map<string, SettingValue>();
  for (const layer of layers) {
    for (const [path, value] of layer) values.set(path, value);
  }
  const input: Record<string, unknown> = {};
  for (const [path, { value }] of values) {
    const keys = path.split('.');
    const last = keys.pop() ?? path;
    let node = input;
    for (const key of keys) {
      const next = (node[key] ??= {}) as Record<string, unknown>;
      node = next;
    }
    node[last] = value;
  }
  return { input, values };
}

function labelFor(path: readonly PropertyKey[], values: ReadonlyMap<string, SettingValue>): string {
  for (let length = path.length; length > 0; length--) {
    const value = values.get(path.slice(0, length).map(String).join('.'));
    if (value !== undefined) return value.label;
  }
  return path.map(String).join('.') || 'config';
}

function toIssue(issue: z.core.$ZodIssue, values: ReadonlyMap<string, SettingValue>): ConfigIssue {
  const setting = labelFor(issue.path, values);
  // Our schemas give lower-case fragments; zod's own messages start upper-case.
  const message = /^[A-Z]/.test(issue.message)
    ? `${setting} is not valid (${issue.message}): see the settings reference (--help)`
    : `${setting} ${issue.message}`;
  return { setting, message };
}

function checkUrlScheme(
  config: Config,
  values: ReadonlyMap<string, SettingValue>,
  issues: IssueList,
): void {
  if (config.gitlabUrl === undefined) return;
  const url = new URL(config.gitlabUrl);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    const setting = values.get('gitlabUrl')?.label ?? 'gitlabUrl';
    issues.warnings.push({
      setting,
      message: `${setting} uses http:// to ${url.host}, so the token crosses the network unencrypted: use https://${url.host}${url.pathname.replace(/\/+$/, '')}`,
    });
  }
}

function checkSchedule(
  config: Config,
  values: ReadonlyMap<string, SettingValue>,
  issues: IssueList,
): void {
  const fields = config.schedule.split(/\s+/);
  // With 6 fields the first is seconds: anything but a single second polls GitLab many times a minute.
  if (fields.length === 6 && !/^\d+$/.test(fields[0] ?? '')) {
    const setting = values.get('schedule')?.label ?? 'schedule';
    issues.warnings.push({
      setting,
      message: `${setting} "${config.schedule}" runs more than once a minute (6 fields start with seconds): use 5 fields, e.g. "* * * * *" for every minute`,
    });
  }
}

function checkPatternDirs(
  config: Config,
  values: ReadonlyMap<string, SettingValue>,
  issues: IssueList,
): void {
  const setting = values.get('patternDirs')?.label ?? 'patternDirs';
  for (const dir of config.patternDirs) {
    if (!fs.existsSync(dir)) {
      issues.warnings.push({
        setting,
        message: `${setting}: the folder "${dir}" does not exist: create it, or remove it from the list`,
      });
    }
  }
}

/** GitLab sign-in needs the application's ID and its secret together. */
function checkOAuth(
  config: Config,
  values: ReadonlyMap<string, SettingValue>,
  issues: IssueList,
): void {
  const { applicationId, secret, group } = config.oauth;
  const label = (path: string) => values.get(path)?.label ?? ENV_BINDINGS[path]?.name ?? path;
  if ((applicationId === undefined) !== (secret === undefined)) {
    const missing = applicationId === undefined ? 'oauth.applicationId' : 'oauth.secret';
    const given = applicationId === undefined ? 'oauth.secret' : 'oauth.applicationId';
    issues.errors.push({
      setting: label(missing),
      message: `${label(missing)} is not set, but ${label(given)} is: GitLab sign-in needs both (copy them from the application registered on GitLab), or remove ${label(given)}`,
    });
  }
  const { host } = config.http;
  if (applicationId !== undefined && config.publicUrl === undefined && !isLoopbackHost(host)) {
    issues.warnings.push({
      setting: label('publicUrl'),
      message: `${label('publicUrl')} is not set: GitLab would send browsers back to http://${host}:${config.http.port} after sign-in; set it to the dashboard's address as browsers reach it, e.g. https://diagnoser.example.com`,
    });
  }
  if (group !== undefined && applicationId === undefined) {
    issues.warnings.push({
      setting: label('oauth.group'),
      message: `${label('oauth.group')} is set, but GitLab sign-in is not: set oauth.applicationId and oauth.secret, or remove it`,
    });
  }
}

/** Masks the token, and anything shaped like one, wherever a message might have picked it up. */
function redact(list: ConfigIssue[], token: string | undefined): ConfigIssue[] {
  function clean(text: string): string {
    return maskSecrets(text, token === undefined || token.length < 8 ? [] : [token]);
  }
  return list.map((issue) => ({ setting: clean(issue.setting), message: clean(issue.message) }));
}

/**
 * Builds the bot's settings from, lowest to highest priority: defaults, a YAML file
 * (`file`, else DIAGNOSER_CONFIG), environment variables, then `overrides`. Collects every
 * problem instead of stopping at the first; each names the setting as the user wrote it and
 * the fix. `config` is set only when there are no errors. Reads only the given `env`.
 */
export function loadConfig(
  options?: LoadConfigOptions & { requireGitlab?: true },
): LoadConfigResult<RunConfig>;
export function loadConfig(options: LoadConfigOptions & { requireGitlab: false }): LoadConfigResult;
export function loadConfig(options: LoadConfigOptions): LoadConfigResult;
export function loadConfig(options: LoadConfigOptions = {}): LoadConfigResult {
  const env = options.env ?? process.env;
  const issues: IssueList = { errors: [], warnings: [] };
  const keys = settingKeys();
  const layers: Layer[] = [];

  const envFile = env[CONFIG_FILE_ENV]?.trim();
  const file =
    options.file !== undefined
      ? { path: options.file, setting: options.file }
      : envFile
        ? { path: envFile, setting: CONFIG_FILE_ENV }
        : undefined;
  if (file !== undefined) {
    layers.push(readConfigFile(file, keys, issues));
  }
  layers.push(readEnv(env, issues));
  if (options.overrides !== undefined) {
    layers.push(
      readOverrides(
        options.overrides as Record<string, unknown>,
        options.overrideLabels ?? {},
        keys,
        issues,
      ),
    );
  }
  const { input, values } = buildInput(layers);

  if (options.requireGitlab ?? true) {
    for (const { path, fix } of REQUIRED_FOR_GITLAB) {
      if (!values.has(path)) {
        const setting = ENV_BINDINGS[path]?.name ?? path;
        issues.errors.push({ setting, message: `${setting} is not set: ${fix}` });
      }
    }
  }

  const parsed = Config.safeParse(input);
  let config: Config | undefined;
  if (parsed.success) {
    config = parsed.data;
    // With webhooks the poll is only the safety net for lost deliveries.
    if (config.webhookSecret !== undefined && !values.has('schedule')) {
      config.schedule = WEBHOOK_RECONCILE_SCHEDULE;
    }
    checkUrlScheme(config, values, issues);
    checkSchedule(config, values, issues);
    checkPatternDirs(config, values, issues);
    checkOAuth(config, values, issues);
  } else {
    issues.errors.push(...parsed.error.issues.map((issue) => toIssue(issue, values)));
  }

  const rawToken = values.get('gitlabToken')?.value;
  const token = typeof rawToken === 'string' ? rawToken.trim() : undefined;
  const errors = redact(issues.errors, token);
  const warnings = redact(issues.warnings, token);
  return {
    ...(errors.length === 0 && config !== undefined ? { config } : {}),
    errors,
    warnings,
    ...(file !== undefined ? { file: file.path } : {}),
  };
}

/** The config as shown to people (logs, `--print-config`): the token is never included. */
export type DescribedConfig = Omit<
  Config,
  'gitlabToken' | 'adminToken' | 'oauth' | 'webhookSecret'
> & {
  gitlabToken: '[set]' | '[not set]';
  adminToken: '[set]' | '[not set]';
  oauth: Omit<Config['oauth'], 'secret'> & { secret: '[set]' | '[not set]' };
  webhookSecret: '[set]' | '[not set]';
};

/** A printable copy of `config` with the token replaced by `[set]` (or `[not set]`). */
export function describeConfig(config: Config): DescribedConfig {
  const { gitlabToken, adminToken, oauth, webhookSecret, ...rest } = config;
  const { secret, ...app } = oauth;
  return {
    ...structuredClone(rest),
    gitlabToken: gitlabToken === undefined ? '[not set]' : '[set]',
    adminToken: adminToken === undefined ? '[not set]' : '[set]',
    oauth: { ...app, secret: secret === undefined ? '[not set]' : '[set]' },
    webhookSecret: webhookSecret === undefined ? '[not set]' : '[set]',
  };
}
