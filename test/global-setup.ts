import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CLI_BUILDS } from './helpers/cli-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder this run compiles the CLI into, once (see builtCli). */
    cliBuild: string;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs once before the test files. Each run compiles the CLI into a folder of its own, so a
 * run never starts an older compile or removes one another run (a test may start vitest) uses;
 * the folders of runs that ended without removing theirs go first.
 */
export default function setup(project: TestProject): () => void {
  let left: string[] = [];
  try {
    left = readdirSync(CLI_BUILDS);
  } catch {
    // No run has compiled it yet.
  }
  for (const name of left) {
    if (!/^\d+$/.test(name) || !running(Number(name))) {
      rmSync(join(CLI_BUILDS, name), { recursive: true, force: true });
    }
  }
  const folder = join(CLI_BUILDS, String(process.pid));
  project.provide('cliBuild', folder);
  return () => rmSync(folder, { recursive: true, force: true });
}
