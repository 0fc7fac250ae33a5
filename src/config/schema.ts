import { validate as isCronExpression } from 'node-cron';
import * as z from 'zod';
import { maskSecrets } from '../domain/secrets.js';
import { DURATION_UNITS, isDuration } from './duration.js';

// Messages here are fragments: the loader puts the setting, as the user wrote it, in front
// ("GITLAB_URL", "config.yaml: schedule"), and each fragment says what is wrong and the fix.

const MAX_SHOWN = 80;

/**
 * A value as it appears in a message: strings quoted (cut short, tokens masked: one pasted
 * into the wrong setting must not be echoed back),
 * lists and mappings named.
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = JSON.stringify(maskSecrets(value));
    return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN - 2)}…"` : shown;
  }
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/** An error function for a wrong type: `"abc" is not a number: <fix>`. */
function notA(what: string, fix: string): (issue: { input?: unknown }) => string | undefined {
  return (issue) => {
    if (issue.input === undefined) return undefined;
    const shown = isScalar(issue.input)
      ? `${showValue(issue.input)} is not ${what}`
      : `is ${showValue(issue.input)}, not ${what}`;
    return `${shown}: ${fix}`;
  };
}

function wholeNumber(min: number, max: number | undefined, example: number) {
  const range = max === undefined ? `of ${min} or more` : `from ${min} to ${max}`;
  return z
    .number({ error: notA('a number', `write a whole number ${range}, e.g. ${example}`) })
    .refine(
      (value) => Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max),
      {
        error: (issue) =>
          `${showValue(issue.input)} is not a whole number ${range}: write e.g. ${example}`,
      },
    );
}

const EXAMPLE_URL = 'https://gitlab.example.com';

/** What is wrong with a GitLab address, or undefined. Never echoes a URL that holds credentials. */
function gitlabUrlProblem(value: string): string | undefined {
  if (value === '') {
    return `is empty: set it to your GitLab's address, e.g. ${EXAMPLE_URL}`;
  }
  const hasScheme = /^[a-z][a-z\d+.-]*:\/\//i.test(value);
  let url: URL;
  try {
    url = new URL(hasScheme ? value : `https://${value}`);
  } catch {
    return `${showValue(value)} is not a URL: write the address you open GitLab at, e.g. ${EXAMPLE_URL}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'contains a user name or password: remove them; the bot signs in with GITLAB_TOKEN';
  }
  if (!hasScheme) {
    return `${showValue(value)} has no scheme: write https://${maskSecrets(value).replace(/\/+$/, '')}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `${showValue(value)} is not a web address: write https://${url.host}${url.pathname.replace(/\/+$/, '')}`;
  }
  const base = `${url.protocol}//${url.host}`;
  if (/\/api\/v4\/?$/i.test(url.pathname)) {
    const instance = base + url.pathname.replace(/\/api\/v4\/?$/i, '');
    return `ends in /api/v4: give the instance address without it, e.g. ${instance}`;
  }
  if (url.search !== '' || url.hash !== '') {
    return `${showValue(value)} has a query or fragment: give only the address, e.g. ${base}${url.pathname.replace(/\/+$/, '')}`;
  }
  return undefined;
}

const GitlabUrl = z
  .string({ error: notA('a URL', `write your GitLab's address, e.g. ${EXAMPLE_URL}`) })
  .trim()
  .superRefine((value, context) => {
    const problem = gitlabUrlProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  })
  // The adapter appends /api/v4/...; a trailing slash would double it.
  .transform((value) => value.replace(/\/+$/, ''));

// Token messages never show the value.
const GitlabToken = z
  .string({
    error: (issue) =>
      issue.input === undefined ? undefined : 'is not text: write the token as a string',
  })
  .trim()
  .superRefine((value, context) => {
    if (value === '') {
      context.addIssue({
        code: 'custom',
        message: 'is empty: set it to an access token with the api scope',
      });
    } else if (/\s/.test(value)) {
      context.addIssue({
        code: 'custom',
        message: 'contains spaces or line breaks: set it to the token alone',
      });
    }
  });

/** Shortest admin token accepted: long enough that guessing it over HTTP is hopeless. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

// Like the GitLab token, messages never show the value.
const AdminToken = z
  .string({
    error: (issue) =>
      issue.input === undefined ? undefined : 'is not text: write the token as a string',
  })
  .trim()
  .superRefine((value, context) => {
    const generate = 'e.g. the output of `openssl rand -hex 32`';
    if (value === '') {
      context.addIssue({
        code: 'custom',
        message: `is empty: set it to a long random value, ${generate}, or remove it`,
      });
    } else if (/\s/.test(value)) {
      context.addIssue({
        code: 'custom',
        message: 'contains spaces or line breaks: set it to the token alone',
      });
    } else if (value.length < MIN_ADMIN_TOKEN_LENGTH) {
      context.addIssue({
        code: 'custom',
        message: `is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters: use a long random value, ${generate}`,
      });
    }
  });

const WebhookUrl = z
  .string({ error: notA('a URL', 'write e.g. https://diagnoser.example.com/webhooks/gitlab') })
  .trim()
  .refine(
    (value) => {
      try {
        return /^https?:$/.test(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    {
      error: (issue) =>
        `${showValue(issue.input)} is not a web address: write e.g. https://diagnoser.example.com/webhooks/gitlab`,
    },
  );

/** How long `incidents prune` keeps closed and fixed incidents when not told otherwise. */
export const DEFAULT_RETENTION = '90d';

const Schedule = z
  .string({ error: notA('a cron expression', 'write e.g. "*/5 * * * *"') })
  .trim()
  .refine((value) => isCronExpression(value), {
    error: (issue) =>
      `${showValue(issue.input)} is not a cron expression: use 5 or 6 fields, e.g. "*/5 * * * *"`,
  });

const Duration = z
  .string({ error: notA('a duration', 'write e.g. "24h", "30m" or "7d"') })
  .trim()
  .refine((value) => isDuration(value) && !/^(?:0+[smhdw])+$/.test(value), {
    error: (issue) =>
      `${showValue(issue.input)} is not a duration: write a number and a unit (${DURATION_UNITS}), e.g. 24h, 30m or 7d`,
  });

function fullPath(kind: 'project' | 'group') {
  const example = kind === 'project' ? 'my-group/my-project' : 'my-group/subgroup';
  return z
    .string({ error: notA(`a ${kind} path`, `write its full path, e.g. ${example}`) })
    .trim()
    .superRefine((value, context) => {
      let problem: string | undefined;
      if (value === '') {
        problem = 'is empty: remove it from the list';
      } else if (/^[a-z][a-z\d+.-]*:\/\//i.test(value)) {
        const path = value
          .replace(/^[a-z][a-z\d+.-]*:\/\/[^/]*/i, '')
          .replace(/\/-\/.*$/, '')
          .replace(/^\/+|\/+$/g, '');
        problem = `${showValue(value)} is a URL: write the full path only, e.g. ${maskSecrets(path) || example}`;
      } else if (!/^[\w.\-/]+$/.test(value)) {
        problem = `${showValue(value)} is not a full ${kind} path: write it as in its URL, e.g. ${example}`;
      } else if (kind === 'project' && !value.replace(/^\/+|\/+$/g, '').includes('/')) {
        problem = `${showValue(value)} has no group: write the project's full path, e.g. my-group/${maskSecrets(value)}`;
      }
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    })
    .transform((value) => value.replace(/^\/+|\/+$/g, ''));
}

function pathList(kind: 'project' | 'group') {
  const example = kind === 'project' ? '[my-group/my-project]' : '[my-group]';
  return z.array(fullPath(kind), { error: notA('a list', `write a list, e.g. ${example}`) });
}

/** Log levels, most to least severe (pino's names). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export const LogLevel = z.enum(LOG_LEVELS, {
  error: notA('a log level', `use one of ${LOG_LEVELS.join(', ')}`),
});
export type LogLevel = z.infer<typeof LogLevel>;

/** How the bot finds failed jobs (see the README, "How polling works"). */
export const DISCOVERY_MODES = ['auto', 'instance', 'batched', 'per-project'] as const;

export const Discovery = z.enum(DISCOVERY_MODES, {
  error: notA('a discovery mode', `use one of ${DISCOVERY_MODES.join(', ')}`),
});

export const DEFAULT_DATABASE_PATH = './data/diagnoser.db';
export const DEFAULT_MAX_LOG_BYTES = 4 * 1024 * 1024;

export const Watch = z
  .strictObject({
    projects: pathList('project')
      .default([])
      .describe('Projects to watch, by full path (e.g. my-group/my-project).'),
    groups: pathList('group')
      .default([])
      .describe('Groups to watch, by full path; their subgroups and projects are included.'),
  })
  .describe(
    "Which projects to watch. When both lists are empty, every project the token's user is a member of.",
  );
export type Watch = z.infer<typeof Watch>;

export const Http = z
  .strictObject({
    host: z
      .string({ error: notA('a host name', 'write an address, e.g. 127.0.0.1 or 0.0.0.0') })
      .trim()
      .min(1, { error: 'is empty: write an address, e.g. 127.0.0.1 or 0.0.0.0' })
      .default('127.0.0.1')
      .describe(
        'Address the HTTP server (webhooks, dashboard, health, metrics) listens on; 0.0.0.0 for every interface.',
      ),
    port: wholeNumber(0, 65535, 8080)
      .default(8080)
      .describe('Port the HTTP server listens on (0 picks a free one).'),
  })
  .describe('The HTTP server for webhooks, the dashboard, /healthz and /metrics.');
export type Http = z.infer<typeof Http>;

const AuditSchedule = z
  .string({ error: notA('a cron expression', 'write e.g. "17 3 * * *", or "off"') })
  .trim()
  .refine((value) => value === 'off' || isCronExpression(value), {
    error: (issue) =>
      `${showValue(issue.input)} is not a cron expression: use 5 fields, e.g. "17 3 * * *" (every night at 03:17), or "off"`,
  });

/** When `run` refreshes the job token readiness audit unless told otherwise: nightly. */
export const DEFAULT_AUDIT_SCHEDULE = '17 3 * * *';

export const Audit = z
  .strictObject({
    schedule: AuditSchedule.default(DEFAULT_AUDIT_SCHEDULE).describe(
      'When `run` refreshes the job token readiness audit, as a cron expression, or "off".',
    ),
    maxProjects: wholeNumber(1, undefined, 2000)
      .default(2000)
      .describe('The most projects one audit reads (the rest is reported).'),
    openIssues: z
      .boolean({ error: notA('true or false', 'write true or false') })
      .default(false)
      .describe(
        'After each scheduled audit, open one issue in each target project listing the allowlist entries to add, which a Maintainer there accepts with a 👍.',
      ),
  })
  .describe('The job token readiness audit (`pipeline-diagnoser audit`).');

// Like the tokens, messages never show the secret.
const OAuthSecret = z
  .string({
    error: (issue) =>
      issue.input === undefined ? undefined : 'is not text: write the secret as a string',
  })
  .trim()
  .min(1, { error: "is empty: copy the application's secret from GitLab" });

export const OAuth = z
  .strictObject({
    applicationId: z
      .string({ error: notA('an application ID', "copy the application's ID from GitLab") })
      .trim()
      .min(1, { error: "is empty: copy the application's ID from GitLab" })
      .optional()
      .describe(
        'Application ID of the OAuth application registered on GitLab (scope read_user); turns on "Sign in with GitLab".',
      ),
    secret: OAuthSecret.optional().describe("That application's secret. Never printed or stored."),
    group: fullPath('group')
      .optional()
      .describe(
        'Members of this group (directly, or through a parent group) may sign in to the dashboard, besides GitLab administrators.',
      ),
  })
  .describe('Signing in to the dashboard with GitLab.');

/** Every setting of the bot, with its default. URL and token are checked by loadConfig. */
export const Config = z.strictObject({
  gitlabUrl: GitlabUrl.optional().describe(
    'Address of your GitLab instance, without /api/v4 (e.g. https://gitlab.example.com). Required for real runs.',
  ),
  gitlabToken: GitlabToken.optional().describe(
    'Access token the bot uses, with the api scope. Required for real runs. Never printed or stored.',
  ),
  databasePath: z
    .string({ error: notA('a file path', `write e.g. ${DEFAULT_DATABASE_PATH}`) })
    .trim()
    .min(1, { error: `is empty: write a file path, e.g. ${DEFAULT_DATABASE_PATH}` })
    .default(DEFAULT_DATABASE_PATH)
    .describe('SQLite file holding the incident log; its folder is created if missing.'),
  schedule: Schedule.default('* * * * *').describe(
    'When to poll GitLab for failed jobs, as a cron expression (5 fields, or 6 with seconds first).',
  ),
  watch: Watch.default({ projects: [], groups: [] }),
  lookback: Duration.default('24h').describe(
    `How far back the very first cycle looks for failed jobs: a number and a unit (${DURATION_UNITS}), e.g. 24h.`,
  ),
  discovery: Discovery.default('auto').describe(
    'How failed jobs are found: instance (one GraphQL list of the whole instance; an administrator token), batched (GraphQL, 100 projects per request), per-project (REST, one request per project), or auto: the cheapest the instance and token allow.',
  ),
  offerMaxAge: Duration.default('14d').describe(
    `How long a one-click fix offered in a comment waits for approval; older offers are no longer checked (a number and a unit, ${DURATION_UNITS}).`,
  ),
  closeAfter: Duration.default('30d').describe(
    `How long an incident with no new failed job stays open (or fixed) before it is closed: a number and a unit (${DURATION_UNITS}).`,
  ),
  dryRun: z
    .boolean({ error: notA('true or false', 'write true or false') })
    .default(false)
    .describe('Read and diagnose, but write nothing to GitLab (notes and fixes are only logged).'),
  logLevel: LogLevel.default('info').describe(
    `Least severe log level written: ${LOG_LEVELS.join(', ')}.`,
  ),
  requestTimeoutMs: wholeNumber(1, undefined, 30000)
    .default(30000)
    .describe('How long one GitLab API request may take, in milliseconds.'),
  maxLogBytes: wholeNumber(1, undefined, DEFAULT_MAX_LOG_BYTES)
    .default(DEFAULT_MAX_LOG_BYTES)
    .describe('The most of a job log that is read, in bytes (default 4 MiB, the runner default).'),
  cacheTtlSeconds: wholeNumber(0, undefined, 600)
    .default(600)
    .describe(
      'How long GitLab answers (projects, members, allowlists) are cached, in seconds; 0 turns the cache off.',
    ),
  patternDirs: z
    .array(
      z
        .string({ error: notA('a folder path', 'write e.g. ./my-patterns') })
        .trim()
        .min(1, { error: 'is empty: remove it from the list' }),
      { error: notA('a list', 'write a list, e.g. [./my-patterns]') },
    )
    .default([])
    .describe('Extra folders of pattern files, read after the built-in patterns.'),
  http: Http.default({ host: '127.0.0.1', port: 8080 }),
  adminToken: AdminToken.optional().describe(
    `Token that opens the dashboard and /metrics (send it as "Authorization: Bearer <token>", or open a page once with ?token=<token>). Required when http.host is not a loopback address; at least ${MIN_ADMIN_TOKEN_LENGTH} characters. Never printed or stored.`,
  ),
  oauth: OAuth.default({}),
  publicUrl: GitlabUrl.optional().describe(
    "The dashboard's address as browsers reach it (e.g. https://diagnoser.example.com), for the GitLab sign-in redirect; default http://<http.host>:<http.port>.",
  ),
  sessionTtl: Duration.default('7d').describe(
    `How long a dashboard sign-in lasts at most, however much it is used; then the user signs in again (a number and a unit, ${DURATION_UNITS}).`,
  ),
  sessionIdle: Duration.default('12h').describe(
    `How long a dashboard sign-in lasts without a request before it ends (a number and a unit, ${DURATION_UNITS}).`,
  ),
  audit: Audit.default({ schedule: DEFAULT_AUDIT_SCHEDULE, maxProjects: 2000, openIssues: false }),
  webhookSecret: AdminToken.optional().describe(
    `Secret GitLab sends in the X-Gitlab-Token header of every webhook; setting it turns on POST /webhooks/gitlab, and \`hooks install\` gives it to the hooks it creates. At least ${MIN_ADMIN_TOKEN_LENGTH} characters. Never printed or stored.`,
  ),
  webhookUrl: WebhookUrl.optional().describe(
    'Address GitLab delivers webhooks to, as GitLab reaches the bot, ending in /webhooks/gitlab (e.g. https://diagnoser.example.com/webhooks/gitlab); used by `hooks install`.',
  ),
  // No default: the record of writes the bot made to GitLab is kept for good unless set.
  auditRetention: Duration.optional().describe(
    `How long the record of the writes the bot made to GitLab (allowlist changes, job retries, who approved them) is kept after its incident was removed: a number and a unit (${DURATION_UNITS}); kept for good when not set.`,
  ),
  // No schema default: the commands that prune fall back to DEFAULT_RETENTION.
  retention: Duration.optional().describe(
    `How long closed and fixed incidents are kept: \`run\` removes older ones every night, \`incidents prune\` on demand: a number and a unit (${DURATION_UNITS}); ${DEFAULT_RETENTION} when not set.`,
  ),
});
export type Config = z.infer<typeof Config>;

/** What loadConfig accepts as overrides (e.g. from CLI flags): any subset of the settings. */
export type ConfigInput = z.input<typeof Config>;
