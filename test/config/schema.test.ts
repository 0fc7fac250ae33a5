import { describe, expect, it } from 'vitest';
import { configReference } from '../../src/config/reference.js';
import { Config } from '../../src/config/schema.js';
import { ENV_BINDINGS, settingKeys } from '../../src/config/settings.js';
import { CONFIG_DEFAULTS } from '../helpers/config-defaults.js';

describe('Config defaults', () => {
  it('fills in every default', () => {
    expect(Config.parse({})).toEqual(CONFIG_DEFAULTS);
  });

  it('describes every setting', () => {
    for (const key of settingKeys()) {
      expect(key.description, key.path).not.toBe('');
    }
  });

  it('binds environment variables only to real settings', () => {
    const leaves = settingKeys()
      .filter((key) => !key.group)
      .map((key) => key.path);

    expect(leaves).toEqual(expect.arrayContaining(Object.keys(ENV_BINDINGS)));
  });
});

describe('configReference', () => {
  it('lists every setting with its env var, default and description', () => {
    const reference = configReference();

    expect(reference.map((entry) => entry.setting)).toEqual([
      'gitlabUrl',
      'gitlabToken',
      'databasePath',
      'schedule',
      'watch.projects',
      'watch.groups',
      'lookback',
      'discovery',
      'offerMaxAge',
      'closeAfter',
      'dryRun',
      'logLevel',
      'requestTimeoutMs',
      'maxLogBytes',
      'cacheTtlSeconds',
      'patternDirs',
      'http.host',
      'http.port',
      'adminToken',
      'oauth.applicationId',
      'oauth.secret',
      'oauth.group',
      'publicUrl',
      'sessionTtl',
      'sessionIdle',
      'audit.schedule',
      'audit.maxProjects',
      'audit.openIssues',
      'webhookSecret',
      'webhookUrl',
      'auditRetention',
      'retention',
    ]);
    expect(reference).toContainEqual({
      setting: 'schedule',
      alias: undefined,
      env: 'DIAGNOSER_SCHEDULE',
      default: '* * * * *',
      description: expect.stringContaining('cron expression'),
    });
    expect(reference).toContainEqual({
      setting: 'dryRun',
      alias: 'dry_run',
      env: 'DIAGNOSER_DRY_RUN',
      default: 'false',
      description: expect.any(String),
    });
    expect(reference).toContainEqual(
      expect.objectContaining({ setting: 'gitlabToken', env: 'GITLAB_TOKEN', default: undefined }),
    );
    expect(reference).toContainEqual(
      expect.objectContaining({ setting: 'maxLogBytes', env: undefined, default: '4194304' }),
    );
  });
});
