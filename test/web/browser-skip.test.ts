import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm test without Chromium', () => {
  it('says in its summary that the browser tests were skipped, and how to get them', async () => {
    const { stdout } = await run(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', 'test/web/sign-in-browser.test.ts'],
      {
        env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium', CI: '1' },
        timeout: 120_000,
      },
    );

    expect(stdout).toContain('tests: 0 passed, 0 failed, 3 skipped');
    expect(stdout).toContain(
      'browser tests: 3 skipped, because there is no Chromium at /nonexistent/chromium. ' +
        'To run them, install it (Debian and Ubuntu: apt-get install chromium) or set CHROMIUM_PATH',
    );
  }, 150_000);
});
