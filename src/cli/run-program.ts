import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { exitCodeFor } from './exit-code.js';

export function packageVersion(): string {
  // dist/src/cli/ after a build, src/cli/ in tests: look in both.
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (manifest.name === 'pipeline-diagnoser') return manifest.version;
    } catch {
      // try the next folder up
    }
  }
  return '0.0.0';
}

/** Runs a program and turns what it throws into a message and an exit code. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end here with code 0; usage errors with 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    return exitCodeFor(error);
  }
}
