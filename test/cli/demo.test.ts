import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('demo', () => {
  it('gets the note and the fix through webhooks, and says how long each took', async () => {
    const { code, stdout } = await runCli(['demo']);

    expect(code).toBe(0);
    expect(stdout).toContain('hooks install: team/app created');
    expect(stdout).toMatch(/GitLab sent (Job Hook and Pipeline Hook|Pipeline Hook and Job Hook)/);
    expect(stdout).toMatch(/the bot commented within \d+ ms of the job's failure, with no poll/);
    expect(stdout).toContain('**Accept with one click.**');
    expect(stdout).toMatch(
      /within \d+ ms of the 👍 the bot added team\/app to the allowlist of containers\/poetry/,
    );
    expect(stdout).toContain('retried by the bot: success');
  });
});
