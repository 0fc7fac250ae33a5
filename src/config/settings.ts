import * as z from 'zod';
import { Config } from './schema.js';

/** How an environment variable's text becomes a setting's value. */
export type EnvKind = 'text' | 'lowercase' | 'list' | 'boolean' | 'integer';

export interface EnvBinding {
  readonly name: string;
  readonly kind: EnvKind;
}

/** The file of settings; `file` passed to loadConfig wins over it. */
export const CONFIG_FILE_ENV = 'DIAGNOSER_CONFIG';

/** Environment variables, by setting path. Settings missing here are set in the file only. */
export const ENV_BINDINGS: Readonly<Record<string, EnvBinding>> = {
  gitlabUrl: { name: 'GITLAB_URL', kind: 'text' },
  gitlabToken: { name: 'GITLAB_TOKEN', kind: 'text' },
  databasePath: { name: 'DIAGNOSER_DB', kind: 'text' },
  schedule: { name: 'DIAGNOSER_SCHEDULE', kind: 'text' },
  'watch.projects': { name: 'DIAGNOSER_WATCH_PROJECTS', kind: 'list' },
  'watch.groups': { name: 'DIAGNOSER_WATCH_GROUPS', kind: 'list' },
  lookback: { name: 'DIAGNOSER_LOOKBACK', kind: 'text' },
  discovery: { name: 'DIAGNOSER_DISCOVERY', kind: 'lowercase' },
  offerMaxAge: { name: 'DIAGNOSER_OFFER_MAX_AGE', kind: 'text' },
  closeAfter: { name: 'DIAGNOSER_CLOSE_AFTER', kind: 'text' },
  dryRun: { name: 'DIAGNOSER_DRY_RUN', kind: 'boolean' },
  logLevel: { name: 'LOG_LEVEL', kind: 'lowercase' },
  'http.host': { name: 'DIAGNOSER_HTTP_HOST', kind: 'text' },
  'http.port': { name: 'DIAGNOSER_HTTP_PORT', kind: 'integer' },
  patternDirs: { name: 'DIAGNOSER_PATTERNS', kind: 'list' },
  adminToken: { name: 'DIAGNOSER_ADMIN_TOKEN', kind: 'text' },
  'oauth.applicationId': { name: 'DIAGNOSER_OAUTH_APP_ID', kind: 'text' },
  'oauth.secret': { name: 'DIAGNOSER_OAUTH_SECRET', kind: 'text' },
  'oauth.group': { name: 'DIAGNOSER_ADMIN_GROUP', kind: 'text' },
  publicUrl: { name: 'DIAGNOSER_PUBLIC_URL', kind: 'text' },
  sessionTtl: { name: 'DIAGNOSER_SESSION_TTL', kind: 'text' },
  sessionIdle: { name: 'DIAGNOSER_SESSION_IDLE', kind: 'text' },
  'audit.schedule': { name: 'DIAGNOSER_AUDIT_SCHEDULE', kind: 'text' },
  'audit.maxProjects': { name: 'DIAGNOSER_AUDIT_MAX_PROJECTS', kind: 'integer' },
  'audit.openIssues': { name: 'DIAGNOSER_AUDIT_OPEN_ISSUES', kind: 'boolean' },
  retention: { name: 'DIAGNOSER_RETENTION', kind: 'text' },
  auditRetention: { name: 'DIAGNOSER_AUDIT_RETENTION', kind: 'text' },
  webhookSecret: { name: 'DIAGNOSER_WEBHOOK_SECRET', kind: 'text' },
  webhookUrl: { name: 'DIAGNOSER_WEBHOOK_URL', kind: 'text' },
};

/** One key of the settings tree: a leaf setting, or a group such as `http`. */
export interface SettingKey {
  /** Dotted camelCase path, e.g. `http.port`. */
  readonly path: string;
  readonly key: string;
  /** The snake_case spelling also accepted in the file, when it differs. */
  readonly alias: string | undefined;
  /** Path of the group it belongs to; '' at the top. */
  readonly parent: string;
  readonly group: boolean;
  readonly description: string;
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function collect(shape: Record<string, z.ZodType>, parent: string, into: SettingKey[]): void {
  for (const [key, schema] of Object.entries(shape)) {
    const path = parent === '' ? key : `${parent}.${key}`;
    const inner = unwrap(schema);
    const group = inner instanceof z.ZodObject;
    const alias = snakeCase(key);
    into.push({
      path,
      key,
      alias: alias === key ? undefined : alias,
      parent,
      group,
      description: schema.description ?? inner.description ?? '',
    });
    if (inner instanceof z.ZodObject) {
      collect(inner.shape as Record<string, z.ZodType>, path, into);
    }
  }
}

/** Every key of the Config schema, groups before their members, in schema order. */
export function settingKeys(): SettingKey[] {
  const keys: SettingKey[] = [];
  collect(Config.shape, '', keys);
  return keys;
}

function valueAt(root: unknown, path: string): unknown {
  let current = root;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The default of a setting, e.g. `defaultOf('http.port')` is 8080; undefined when it has none. */
export function defaultOf(path: string): unknown {
  return valueAt(Config.parse({}), path);
}
