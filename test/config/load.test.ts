import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  describeConfig,
  loadConfig,
  parseDuration,
  type RunConfig,
} from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { CONFIG_DEFAULTS } from '../helpers/config-defaults.js';

const TOKEN = 'glpat-Zx9vQ2LmN4pR7sT1uV3w';
const GITLAB = { GITLAB_URL: 'https://gitlab.example.com', GITLAB_TOKEN: TOKEN };

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagnoser-config-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeYaml(text: string, name = 'config.yaml', mode = 0o600): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

function messages(list: { message: string }[]): string[] {
  return list.map((issue) => issue.message);
}

describe('defaults', () => {
  it('needs only the GitLab address and token', () => {
    const result = loadConfig({ env: GITLAB });

    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.config).toEqual({
      gitlabUrl: 'https://gitlab.example.com',
      gitlabToken: TOKEN,
      ...CONFIG_DEFAULTS,
    });
    expect(parseDuration(result.config?.lookback ?? '')).toBe(86_400_000);
  });

  it('requires the GitLab address and token for real runs, naming the variables', () => {
    const result = loadConfig({ env: {} });

    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([
      {
        setting: 'GITLAB_URL',
        message:
          "GITLAB_URL is not set: set it to your GitLab's address, e.g. https://gitlab.example.com",
      },
      {
        setting: 'GITLAB_TOKEN',
        message: expect.stringMatching(/^GITLAB_TOKEN is not set: set it to an access token/),
      },
    ]);
  });

  it('types the address and token as present when they are required', () => {
    expectTypeOf(loadConfig({ env: GITLAB }).config).toEqualTypeOf<RunConfig | undefined>();
    expectTypeOf(loadConfig({ env: {}, requireGitlab: false }).config).toEqualTypeOf<
      Config | undefined
    >();
  });

  it('does not require GitLab for demo and classify', () => {
    const result = loadConfig({ env: {}, requireGitlab: false });

    expect(result.errors).toEqual([]);
    expect(result.config?.gitlabUrl).toBeUndefined();
    expect(result.config?.schedule).toBe('* * * * *');
  });
});

describe('environment', () => {
  it('reads every variable', () => {
    const result = loadConfig({
      env: {
        GITLAB_URL: 'https://gitlab.example.com/',
        GITLAB_TOKEN: `  ${TOKEN}\n`,
        DIAGNOSER_DB: '/var/lib/diagnoser/log.db',
        DIAGNOSER_SCHEDULE: '*/5 * * * *',
        DIAGNOSER_WATCH_PROJECTS: 'team/app, team/web ,',
        DIAGNOSER_WATCH_GROUPS: 'platform',
        DIAGNOSER_LOOKBACK: '7d',
        DIAGNOSER_DRY_RUN: 'TRUE',
        LOG_LEVEL: 'Debug',
        DIAGNOSER_HTTP_HOST: '0.0.0.0',
        DIAGNOSER_HTTP_PORT: '9090',
        DIAGNOSER_PATTERNS: dir,
      },
    });

    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.config).toEqual(
      expect.objectContaining({
        gitlabUrl: 'https://gitlab.example.com',
        gitlabToken: TOKEN,
        databasePath: '/var/lib/diagnoser/log.db',
        schedule: '*/5 * * * *',
        watch: { projects: ['team/app', 'team/web'], groups: ['platform'] },
        lookback: '7d',
        dryRun: true,
        logLevel: 'debug',
        http: { host: '0.0.0.0', port: 9090 },
        patternDirs: [dir],
      }),
    );
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads DIAGNOSER_DRY_RUN=%s', (value, expected) => {
    expect(loadConfig({ env: { ...GITLAB, DIAGNOSER_DRY_RUN: value } }).config?.dryRun).toBe(
      expected,
    );
  });

  it('treats an empty variable as unset', () => {
    const result = loadConfig({ env: { ...GITLAB, DIAGNOSER_SCHEDULE: '', DIAGNOSER_DB: ' ' } });

    expect(result.config?.schedule).toBe('* * * * *');
    expect(result.config?.databasePath).toBe('./data/diagnoser.db');
  });

  it('warns about an unknown DIAGNOSER_ variable, suggesting the nearest', () => {
    const result = loadConfig({
      env: {
        ...GITLAB,
        DIAGNOSER_SHEDULE: '*/5 * * * *',
        DIAGNOSER_FOO_BAR_BAZ: 'x',
        HOME: '/root',
      },
    });

    expect(result.config).toBeDefined();
    expect(result.warnings).toEqual([
      {
        setting: 'DIAGNOSER_FOO_BAR_BAZ',
        message: expect.stringMatching(
          /^DIAGNOSER_FOO_BAR_BAZ is not a pipeline-diagnoser setting/,
        ),
      },
      {
        setting: 'DIAGNOSER_SHEDULE',
        message:
          'DIAGNOSER_SHEDULE is not a pipeline-diagnoser setting and is ignored: did you mean DIAGNOSER_SCHEDULE?',
      },
    ]);
  });
});

describe('YAML file', () => {
  it('reads camelCase keys', () => {
    const file = writeYaml(
      [
        'gitlabUrl: https://gitlab.example.com',
        'schedule: "*/10 * * * *"',
        'watch:',
        '  projects: [team/app]',
        '  groups:',
        '    - platform',
        'dryRun: true',
        'requestTimeoutMs: 5000',
        'maxLogBytes: 1048576',
        'cacheTtlSeconds: 0',
        'http:',
        '  port: 3000',
      ].join('\n'),
    );

    const result = loadConfig({ env: { GITLAB_TOKEN: TOKEN }, file });

    expect(result.errors).toEqual([]);
    expect(result.file).toBe(file);
    expect(result.config).toEqual(
      expect.objectContaining({
        gitlabUrl: 'https://gitlab.example.com',
        schedule: '*/10 * * * *',
        watch: { projects: ['team/app'], groups: ['platform'] },
        dryRun: true,
        requestTimeoutMs: 5000,
        maxLogBytes: 1_048_576,
        cacheTtlSeconds: 0,
        http: { host: '127.0.0.1', port: 3000 },
      }),
    );
  });

  it('reads the snake_case aliases', () => {
    const file = writeYaml(
      [
        'gitlab_url: https://gitlab.example.com',
        'gitlab_token: ' + TOKEN,
        'database_path: ./x.db',
        'dry_run: true',
        'log_level: warn',
        'request_timeout_ms: 1000',
        'max_log_bytes: 2048',
        'cache_ttl_seconds: 60',
        'pattern_dirs: []',
      ].join('\n'),
    );

    const result = loadConfig({ env: {}, file });

    expect(result.errors).toEqual([]);
    expect(result.config).toEqual(
      expect.objectContaining({
        gitlabUrl: 'https://gitlab.example.com',
        gitlabToken: TOKEN,
        databasePath: './x.db',
        dryRun: true,
        logLevel: 'warn',
        requestTimeoutMs: 1000,
        maxLogBytes: 2048,
        cacheTtlSeconds: 60,
      }),
    );
  });

  it('is found through DIAGNOSER_CONFIG', () => {
    const file = writeYaml('schedule: "0 * * * *"\n');

    const result = loadConfig({ env: { ...GITLAB, DIAGNOSER_CONFIG: file } });

    expect(result.config?.schedule).toBe('0 * * * *');
    expect(result.file).toBe(file);
  });

  it('accepts an empty file', () => {
    const file = writeYaml('# nothing yet\n');

    expect(loadConfig({ env: GITLAB, file }).errors).toEqual([]);
  });

  it('warns when a file holding the token can be read by other users', () => {
    const file = writeYaml(`gitlab_token: ${TOKEN}\n`, 'open.yaml', 0o644);

    const result = loadConfig({ env: { GITLAB_URL: 'https://gitlab.example.com' }, file });

    expect(result.config).toBeDefined();
    expect(messages(result.warnings)).toEqual([
      `${file}: gitlab_token: ${file} can be read by other users: run chmod 600 on it, or set GITLAB_TOKEN instead`,
    ]);
  });

  it('warns about a key with no value', () => {
    const file = writeYaml('schedule:\n');

    const result = loadConfig({ env: GITLAB, file });

    expect(result.config?.schedule).toBe('* * * * *');
    expect(messages(result.warnings)).toEqual([
      `${file}: schedule has no value and is ignored: give it one, or remove the line`,
    ]);
  });
});

describe('precedence', () => {
  it('goes defaults < file < environment < overrides', () => {
    const file = writeYaml(
      [
        'schedule: "*/2 * * * *"',
        'lookback: 1h',
        'logLevel: warn',
        'databasePath: ./from-file.db',
        'http: { host: 10.0.0.1, port: 1000 }',
      ].join('\n'),
    );

    const result = loadConfig({
      file,
      env: { ...GITLAB, DIAGNOSER_LOOKBACK: '2h', LOG_LEVEL: 'debug', DIAGNOSER_HTTP_PORT: '2000' },
      overrides: { logLevel: 'trace', http: { port: 3000 }, dryRun: undefined },
    });

    expect(result.errors).toEqual([]);
    expect(result.config).toEqual(
      expect.objectContaining({
        schedule: '*/2 * * * *',
        lookback: '2h',
        logLevel: 'trace',
        databasePath: './from-file.db',
        dryRun: false,
        http: { host: '10.0.0.1', port: 3000 },
      }),
    );
  });

  it('lets the file parameter win over DIAGNOSER_CONFIG', () => {
    const fromEnv = writeYaml('lookback: 1h\n', 'env.yaml');
    const fromParam = writeYaml('lookback: 2h\n', 'param.yaml');

    const result = loadConfig({ env: { ...GITLAB, DIAGNOSER_CONFIG: fromEnv }, file: fromParam });

    expect(result.config?.lookback).toBe('2h');
    expect(result.file).toBe(fromParam);
  });
});

describe('errors name the setting as written and the fix', () => {
  it.each([
    [
      'a schedule that is not cron',
      { DIAGNOSER_SCHEDULE: 'every minute' },
      'DIAGNOSER_SCHEDULE',
      'DIAGNOSER_SCHEDULE "every minute" is not a cron expression: use 5 or 6 fields, e.g. "*/5 * * * *"',
    ],
    [
      'a URL without scheme',
      { GITLAB_URL: 'gitlab.example.com' },
      'GITLAB_URL',
      'GITLAB_URL "gitlab.example.com" has no scheme: write https://gitlab.example.com',
    ],
    [
      'a URL ending in /api/v4',
      { GITLAB_URL: 'https://gitlab.example.com/api/v4' },
      'GITLAB_URL',
      'GITLAB_URL ends in /api/v4: give the instance address without it, e.g. https://gitlab.example.com',
    ],
    [
      'a URL that is not a web address',
      { GITLAB_URL: 'ssh://git@gitlab.example.com' },
      'GITLAB_URL',
      'GITLAB_URL contains a user name or password: remove them; the bot signs in with GITLAB_TOKEN',
    ],
    [
      'a URL with a query',
      { GITLAB_URL: 'https://gitlab.example.com/?x=1' },
      'GITLAB_URL',
      'GITLAB_URL "https://gitlab.example.com/?x=1" has a query or fragment: give only the address, e.g. https://gitlab.example.com',
    ],
    [
      'a bad boolean',
      { DIAGNOSER_DRY_RUN: 'maybe' },
      'DIAGNOSER_DRY_RUN',
      'DIAGNOSER_DRY_RUN "maybe" is not true or false: use true, false, 1 or 0',
    ],
    [
      'a bad log level',
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL',
      'LOG_LEVEL "verbose" is not a log level: use one of fatal, error, warn, info, debug, trace',
    ],
    [
      'a port that is not a number',
      { DIAGNOSER_HTTP_PORT: 'http' },
      'DIAGNOSER_HTTP_PORT',
      'DIAGNOSER_HTTP_PORT "http" is not a whole number: write e.g. 8080',
    ],
    [
      'a port out of range',
      { DIAGNOSER_HTTP_PORT: '70000' },
      'DIAGNOSER_HTTP_PORT',
      'DIAGNOSER_HTTP_PORT 70000 is not a whole number from 0 to 65535: write e.g. 8080',
    ],
    [
      'a bad duration',
      { DIAGNOSER_LOOKBACK: '1 day' },
      'DIAGNOSER_LOOKBACK',
      'DIAGNOSER_LOOKBACK "1 day" is not a duration: write a number and a unit (s, m, h, d or w), e.g. 24h, 30m or 7d',
    ],
    [
      'an unknown discovery mode',
      { DIAGNOSER_DISCOVERY: 'graphql' },
      'DIAGNOSER_DISCOVERY',
      'DIAGNOSER_DISCOVERY "graphql" is not a discovery mode: use one of auto, instance, batched, per-project',
    ],
    [
      'a project given as a URL',
      { DIAGNOSER_WATCH_PROJECTS: 'https://gitlab.example.com/team/app/-/pipelines' },
      'DIAGNOSER_WATCH_PROJECTS',
      'DIAGNOSER_WATCH_PROJECTS "https://gitlab.example.com/team/app/-/pipelines" is a URL: write the full path only, e.g. team/app',
    ],
    [
      'a project without its group',
      { DIAGNOSER_WATCH_PROJECTS: 'app' },
      'DIAGNOSER_WATCH_PROJECTS',
      'DIAGNOSER_WATCH_PROJECTS "app" has no group: write the project\'s full path, e.g. my-group/app',
    ],
    [
      'a token with a space in it',
      { GITLAB_TOKEN: 'glpat-abc def' },
      'GITLAB_TOKEN',
      'GITLAB_TOKEN contains spaces or line breaks: set it to the token alone',
    ],
  ])('%s', (_name, env, setting, message) => {
    const result = loadConfig({ env: { ...GITLAB, ...env } });

    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([{ setting, message }]);
  });

  it('reports a YAML syntax error with its line', () => {
    const file = writeYaml('schedule: "* * * * *"\n  dryRun: true\n');

    const result = loadConfig({ env: GITLAB, file });

    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([
      {
        setting: file,
        message: expect.stringMatching(
          new RegExp(`^${file}: YAML error at line 2, column \\d+: .+: fix the syntax there`),
        ),
      },
    ]);
  });

  it.each([
    ['shedule: "* * * * *"', 'shedule', 'did you mean schedule?'],
    ['dry_rn: true', 'dry_rn', 'did you mean dry_run?'],
    ['http:\n  prot: 1', 'http.prot', 'did you mean port?'],
    ['completely_unrelated: 1', 'completely_unrelated', 'remove it; known keys here: gitlabUrl'],
  ])('reports an unknown key with the nearest known one: %s', (yaml, key, fix) => {
    const file = writeYaml(`${yaml}\n`);

    const result = loadConfig({ env: GITLAB, file });

    expect(result.errors).toEqual([
      {
        setting: `${file}: ${key}`,
        message: expect.stringContaining(`${file}: ${key} is not a setting: ${fix}`),
      },
    ]);
  });

  it('names a wrong value by its key in the file', () => {
    const file = writeYaml('schedule: every minute\nhttp:\n  port: "8080"\nwatch: [team/app]\n');

    const result = loadConfig({ env: GITLAB, file });

    expect(result.errors).toEqual([
      {
        setting: `${file}: watch`,
        message: `${file}: watch is a list, not a mapping: write it with its keys (projects, groups) indented below it`,
      },
      {
        setting: `${file}: schedule`,
        message: `${file}: schedule "every minute" is not a cron expression: use 5 or 6 fields, e.g. "*/5 * * * *"`,
      },
      {
        setting: `${file}: http.port`,
        message: `${file}: http.port "8080" is not a number: write a whole number from 0 to 65535, e.g. 8080`,
      },
    ]);
  });

  it('reports both spellings of one setting', () => {
    const file = writeYaml('dryRun: true\ndry_run: false\n');

    const result = loadConfig({ env: GITLAB, file });

    expect(messages(result.errors)).toEqual([
      `${file}: dry_run repeats dryRun, the same setting: keep one of them`,
    ]);
  });

  it('reports a missing file named by DIAGNOSER_CONFIG', () => {
    const file = path.join(dir, 'missing.yaml');

    const result = loadConfig({ env: { ...GITLAB, DIAGNOSER_CONFIG: file } });

    expect(result.errors).toEqual([
      {
        setting: 'DIAGNOSER_CONFIG',
        message: `DIAGNOSER_CONFIG names ${file}, which does not exist: create it, or fix the path`,
      },
    ]);
  });

  it('reports a file that is not a mapping', () => {
    const file = writeYaml('- schedule\n');

    expect(messages(loadConfig({ env: GITLAB, file }).errors)).toEqual([
      `${file} holds a list, not settings: write one "key: value" per line, e.g. schedule: "*/5 * * * *"`,
    ]);
  });

  it('names overrides by their flag', () => {
    const result = loadConfig({
      env: GITLAB,
      overrides: { schedule: 'soon', lookback: 'later' },
      overrideLabels: { schedule: '--every' },
    });

    expect(result.errors.map((issue) => issue.setting)).toEqual(['--every', '--lookback']);
  });

  it('collects every error instead of stopping at the first', () => {
    const result = loadConfig({
      env: { DIAGNOSER_SCHEDULE: 'x', DIAGNOSER_LOOKBACK: 'y', DIAGNOSER_DRY_RUN: 'z' },
    });

    expect(result.errors.map((issue) => issue.setting).sort()).toEqual([
      'DIAGNOSER_DRY_RUN',
      'DIAGNOSER_LOOKBACK',
      'DIAGNOSER_SCHEDULE',
      'GITLAB_TOKEN',
      'GITLAB_URL',
    ]);
  });
});

describe('warnings', () => {
  it('warns about http:// to a host that is not loopback', () => {
    const result = loadConfig({ env: { ...GITLAB, GITLAB_URL: 'http://gitlab.internal:8929' } });

    expect(result.config).toBeDefined();
    expect(result.warnings).toEqual([
      {
        setting: 'GITLAB_URL',
        message:
          'GITLAB_URL uses http:// to gitlab.internal:8929, so the token crosses the network unencrypted: use https://gitlab.internal:8929',
      },
    ]);
  });

  it.each([
    'http://localhost:8929',
    'http://127.0.0.1',
    'http://[::1]:3000',
    'http://gitlab.localhost',
  ])('does not warn about http:// to loopback %s', (url) => {
    expect(loadConfig({ env: { ...GITLAB, GITLAB_URL: url } }).warnings).toEqual([]);
  });

  it('warns about a schedule that polls every second', () => {
    const result = loadConfig({ env: { ...GITLAB, DIAGNOSER_SCHEDULE: '* * * * * *' } });

    expect(result.config).toBeDefined();
    expect(messages(result.warnings)).toEqual([
      'DIAGNOSER_SCHEDULE "* * * * * *" runs more than once a minute (6 fields start with seconds): use 5 fields, e.g. "* * * * *" for every minute',
    ]);
  });

  it('warns about a pattern folder that does not exist', () => {
    const missing = path.join(dir, 'nope');

    const result = loadConfig({ env: { ...GITLAB, DIAGNOSER_PATTERNS: `${dir},${missing}` } });

    expect(messages(result.warnings)).toEqual([
      `DIAGNOSER_PATTERNS: the folder "${missing}" does not exist: create it, or remove it from the list`,
    ]);
  });
});

describe('the token stays secret', () => {
  it('is replaced by [set] in describeConfig', () => {
    const { config } = loadConfig({ env: GITLAB });
    if (config === undefined) throw new Error('expected a config');

    const described = describeConfig(config);

    expect(described.gitlabToken).toBe('[set]');
    expect(JSON.stringify(described)).not.toContain(TOKEN);
    expect(config.gitlabToken).toBe(TOKEN);
  });

  it('shows [not set] when there is none', () => {
    const { config } = loadConfig({ env: {}, requireGitlab: false });
    if (config === undefined) throw new Error('expected a config');

    expect(describeConfig(config).gitlabToken).toBe('[not set]');
  });

  it.each([
    ['the token pasted into the URL', { GITLAB_URL: TOKEN }],
    ['the token inside the URL', { GITLAB_URL: `https://oauth2:${TOKEN}@gitlab.example.com` }],
    ['the token as a project path', { DIAGNOSER_WATCH_PROJECTS: TOKEN }],
    ['the token as the schedule', { DIAGNOSER_SCHEDULE: TOKEN }],
    ['the token with a line break inside', { GITLAB_TOKEN: `${TOKEN}\nsecond-line` }],
    ['the token as an unknown variable', { DIAGNOSER_TOKEN: TOKEN }],
    ['a token shaped value without GITLAB_TOKEN', { GITLAB_TOKEN: undefined, GITLAB_URL: TOKEN }],
  ])('never appears in a message: %s', (_name, env) => {
    const result = loadConfig({ env: { ...GITLAB, ...env } });
    const text = JSON.stringify([result.errors, result.warnings]);

    expect(result.errors.length + result.warnings.length).toBeGreaterThan(0);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.slice(6));
  });

  it('never appears in a message about a YAML file holding it', () => {
    const file = writeYaml(`gitlab_token: ${TOKEN}\ngitlab_tokn: ${TOKEN}\nschedule: ${TOKEN}\n`);

    const result = loadConfig({ env: {}, file });
    const text = JSON.stringify([result.errors, result.warnings]);

    expect(result.errors.length).toBeGreaterThan(0);
    expect(text).not.toContain(TOKEN);
  });
});

describe('GitLab sign-in and the audit', () => {
  it('needs the application ID and its secret together, and never shows the secret', () => {
    const secret = 'gloas-0123456789abcdef0123456789abcdef';
    const half = loadConfig({ env: { ...GITLAB, DIAGNOSER_OAUTH_SECRET: secret } });
    const whole = loadConfig({
      env: {
        ...GITLAB,
        DIAGNOSER_OAUTH_APP_ID: 'app-id',
        DIAGNOSER_OAUTH_SECRET: secret,
        DIAGNOSER_ADMIN_GROUP: 'platform/admins',
        DIAGNOSER_AUDIT_SCHEDULE: 'off',
      },
    });

    expect(half.errors).toEqual([
      {
        setting: 'DIAGNOSER_OAUTH_APP_ID',
        message: expect.stringMatching(
          /^DIAGNOSER_OAUTH_APP_ID is not set, but DIAGNOSER_OAUTH_SECRET is/,
        ),
      },
    ]);
    expect(whole.config?.oauth).toEqual({
      applicationId: 'app-id',
      secret,
      group: 'platform/admins',
    });
    expect(whole.config?.audit.schedule).toBe('off');
    expect(JSON.stringify(describeConfig(whole.config as Config))).not.toContain(secret);
  });

  it('warns when sign-in is on beyond loopback without the public address', () => {
    const env = {
      ...GITLAB,
      DIAGNOSER_OAUTH_APP_ID: 'app-id',
      DIAGNOSER_OAUTH_SECRET: 'gloas-0123456789abcdef0123456789abcdef',
      DIAGNOSER_HTTP_HOST: '0.0.0.0',
    };
    const without = loadConfig({ env });
    const withUrl = loadConfig({
      env: { ...env, DIAGNOSER_PUBLIC_URL: 'https://diagnoser.example.com' },
    });

    expect(without.warnings.map((w) => w.setting)).toEqual(['DIAGNOSER_PUBLIC_URL']);
    expect(without.warnings[0]?.message).toContain('http://0.0.0.0:8080');
    expect(withUrl.warnings).toEqual([]);
  });

  it('refuses an audit schedule that is neither cron nor off', () => {
    const result = loadConfig({ env: { ...GITLAB, DIAGNOSER_AUDIT_SCHEDULE: 'nightly' } });

    expect(result.errors[0]?.message).toMatch(
      /^DIAGNOSER_AUDIT_SCHEDULE "nightly" is not a cron expression/,
    );
  });
});

describe('webhook settings', () => {
  it('polls every 10 minutes when webhooks are on and no schedule is set', () => {
    const on = loadConfig({
      env: { DIAGNOSER_WEBHOOK_SECRET: 'x'.repeat(32) },
      requireGitlab: false,
    });
    expect(on.config?.schedule).toBe('*/10 * * * *');
    const chosen = loadConfig({
      env: { DIAGNOSER_WEBHOOK_SECRET: 'x'.repeat(32), DIAGNOSER_SCHEDULE: '*/2 * * * *' },
      requireGitlab: false,
    });
    expect(chosen.config?.schedule).toBe('*/2 * * * *');
  });

  it('never shows the webhook secret', () => {
    const { config } = loadConfig({
      env: { DIAGNOSER_WEBHOOK_SECRET: 's3cret-'.repeat(6) },
      requireGitlab: false,
    });
    if (!config) throw new Error('no config');
    expect(describeConfig(config).webhookSecret).toBe('[set]');
    expect(JSON.stringify(describeConfig(config))).not.toContain('s3cret-');
  });

  it('refuses a short secret and a webhook URL that is not a web address', () => {
    const result = loadConfig({
      env: { DIAGNOSER_WEBHOOK_SECRET: 'short', DIAGNOSER_WEBHOOK_URL: 'diagnoser:8080' },
      requireGitlab: false,
    });
    expect(result.errors.map((e) => e.setting)).toEqual([
      'DIAGNOSER_WEBHOOK_SECRET',
      'DIAGNOSER_WEBHOOK_URL',
    ]);
  });
});
