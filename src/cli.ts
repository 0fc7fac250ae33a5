#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBotCommands } from './cli/bot-commands.js';
import { registerClassifyCommand } from './cli/classify-command.js';
import { registerDemoCommand } from './cli/demo-command.js';
import { registerDiagnoseCommand } from './cli/diagnose-command.js';
import { registerIncidentsCommand } from './cli/incidents-command.js';
import { CliExit } from './cli/exit.js';
import { registerPatternsCommand } from './cli/patterns-command.js';

function packageVersion(): string {
  const manifest = new URL('../../package.json', import.meta.url);
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command('pipeline-diagnoser')
    .description('Diagnoses failed GitLab CI jobs and comments the exact fix on the merge request.')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  registerBotCommands(program);
  registerDiagnoseCommand(program);
  registerIncidentsCommand(program);
  registerDemoCommand(program);
  registerClassifyCommand(program);
  registerPatternsCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CliExit) {
      if (error.message) process.stderr.write(`${error.message}\n`);
      return error.code;
    }
    if (error instanceof CommanderError) {
      // Help and version end here with code 0; usage errors with 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(
      `pipeline-diagnoser: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    return 1;
  }
}

process.exitCode = await main(process.argv);
