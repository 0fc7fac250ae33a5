import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('demo', () => {
  it('gets the note and the fix through webhooks, says how long each took, and ends with the audit', async () => {
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

    // The last section: the audit of the demo world, after the fix.
    const audit = stdout.slice(stdout.indexOf('pipeline-diagnoser audit (the demo world'));
    expect(audit).toMatch(
      /Job token readiness of 1 project\(s\) on GitLab 17\.5\.0: \d+ request\(s\) to GitLab\.\n {2}0 refused now, 1 refused once the allowlist is enforced \(18\.0\), 2 allowed\./,
    );
    expect(audit).toMatch(/denied-at-enforcement +team\/app +containers\/base-images +submodule/);
    expect(audit).toMatch(/allowed +team\/app +containers\/poetry +image +on the allowlist/);
    expect(audit).toMatch(
      /containers\/base-images: add team\/app\n +POST \/api\/v4\/projects\/\d+\/job_token_scope\/allowlist target_project_id=\d+\n$/,
    );
  });
});
