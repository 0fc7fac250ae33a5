import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { runCli } from './run-cli.js';

const SECRET = 'a-webhook-secret-of-32-characters!!';
const URL = 'http://127.0.0.1:8080/webhooks/gitlab';

let h: Harness;
afterEach(async () => {
  await h.close();
});

function env(h: Harness) {
  return {
    GITLAB_URL: h.sim.url,
    GITLAB_TOKEN: h.ids.tokens.bot,
    DIAGNOSER_DB: h.dbPath,
    DIAGNOSER_WATCH_PROJECTS: 'team/app,containers/poetry',
    DIAGNOSER_WEBHOOK_SECRET: SECRET,
    DIAGNOSER_WEBHOOK_URL: URL,
    LOG_LEVEL: 'error',
  };
}

describe('hooks install|status|remove', () => {
  it('installs where the bot is Maintainer, says who must act elsewhere, and is idempotent', async () => {
    h = await startHarness({ botRole: 40 });
    h.world.allowLocalNetworkHooks = true;

    const first = await runCli(['hooks', 'install'], env(h));
    const second = await runCli(['hooks', 'install'], env(h));
    const status = await runCli(['hooks', 'status'], env(h));

    expect(first.stdout).toContain('containers/poetry: hook created');
    expect(first.stdout).toContain('team/app: skipped: the bot is not Maintainer');
    expect(first.stdout).toContain("To do elsewhere: give the bot's user Maintainer on team/app");
    expect(first.code).toBe(1);
    expect(second.stdout).toContain('containers/poetry: hook found by its URL');
    expect(h.world.hooks).toHaveLength(1);
    expect(h.world.hooks[0]).toMatchObject({
      projectId: h.ids.projects.poetry,
      url: URL,
      token: SECRET,
    });
    expect(status.stdout).toContain('containers/poetry: hook installed');

    const removed = await runCli(['hooks', 'remove'], env(h));
    expect(removed.stdout).toContain('containers/poetry: hook removed');
    expect(h.world.hooks).toHaveLength(0);
  });

  it('names the admin setting when GitLab refuses a local address', async () => {
    h = await startHarness({ botRole: 40 });
    // GitLab's default: no webhooks to the local network.
    const result = await runCli(['hooks', 'install'], env(h));

    expect(result.stdout).toContain('containers/poetry: GitLab refused the hook');
    expect(result.stdout).toContain(
      'Allow requests to the local network from webhooks and integrations',
    );
    expect(result.code).toBe(1);
    expect(h.world.hooks).toHaveLength(0);
  });

  it('stops with the setting to fix when the secret is missing', async () => {
    h = await startHarness({ botRole: 40 });
    const result = await runCli(['hooks', 'install'], {
      ...env(h),
      DIAGNOSER_WEBHOOK_SECRET: undefined,
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DIAGNOSER_WEBHOOK_SECRET is not set');
  });
});
