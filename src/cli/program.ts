import { Command } from 'commander';
import { registerAuditCommand } from './audit-command.js';
import { registerBotCommands } from './bot-commands.js';
import { registerClassifyCommand } from './classify-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerDiagnoseCommand } from './diagnose-command.js';
import { registerHooksCommand } from './hooks-command.js';
import { registerSimulatorCommand } from './simulator-command.js';
import { registerIncidentsCommand } from './incidents-command.js';
import { registerPatternsCommand } from './patterns-command.js';
import { registerSessionsCommand } from './sessions-command.js';
import { packageVersion, runProgram } from './run-program.js';

export function buildProgram(): Command {
  const program = new Command('pipeline-diagnoser')
    .description('Diagnoses failed GitLab CI jobs and comments the exact fix on the merge request.')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  registerBotCommands(program);
  registerDiagnoseCommand(program);
  registerAuditCommand(program);
  registerHooksCommand(program);
  registerIncidentsCommand(program);
  registerSessionsCommand(program);
  registerDemoCommand(program);
  registerSimulatorCommand(program);
  registerClassifyCommand(program);
  registerPatternsCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
