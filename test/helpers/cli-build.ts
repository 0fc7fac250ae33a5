import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);

/** Where each test run compiles the CLI, in a folder named after the run's process id. */
export const CLI_BUILDS = join('test-artifacts', 'cli-build');
const COMPILE_TIMEOUT_MS = 120_000;

/** The file written when the compile has ended: "ok", or why it failed. */
function doneFile(folder: string): string {
  return join(folder, '.compiled');
}

/** Written whole or not at all, so a file that waits never reads half of it. */
function finish(folder: string, outcome: string): void {
  writeFileSync(`${doneFile(folder)}.part`, outcome);
  renameSync(`${doneFile(folder)}.part`, doneFile(folder));
}

async function compile(folder: string): Promise<void> {
  const cli = join(folder, 'src', 'cli.js');
  try {
    await run(
      'npx',
      ['tsc', '-p', 'tsconfig.build.json', '--outDir', folder, '--noCheck', '--sourceMap', 'false'],
      { timeout: COMPILE_TIMEOUT_MS },
    ).catch((error: unknown) => {
      // tsc exits non-zero on type errors but still writes the files.
      if (!existsSync(cli)) throw error;
    });
    finish(folder, 'ok');
  } catch (error) {
    finish(folder, `compiling the CLI failed: ${String(error)}`);
    throw error;
  }
}

/**
 * Compiles the CLI to JavaScript (type checking is `npm run lint`'s job, so `--noCheck`: fast)
 * once per test run, whichever file asks first, and returns the path of its entry point. A file
 * that asks while another compiles waits for that compile.
 */
export async function builtCli(): Promise<string> {
  const folder = inject('cliBuild');
  const cli = join(folder, 'src', 'cli.js');
  let mine = true;
  mkdirSync(dirname(folder), { recursive: true });
  try {
    // Made by one file only: the one that compiles.
    mkdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    mine = false;
  }
  if (mine) {
    await compile(folder);
    return cli;
  }
  const end = Date.now() + COMPILE_TIMEOUT_MS;
  while (!existsSync(doneFile(folder))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${doneFile(folder)}`);
    await sleep(100);
  }
  const outcome = readFileSync(doneFile(folder), 'utf8');
  if (outcome !== 'ok') throw new Error(outcome);
  return cli;
}
