import { Command } from 'commander';
import { registerClassifyCommand } from './classify-command.js';
import { packageVersion, runProgram } from './run-program.js';

/**
 * `pipeline-diagnoser classify` on its own: it reads log files offline, so
 * it starts without loading the bot (GitLab client, SQLite, web server),
 * which takes longer than classifying a large log.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('pipeline-diagnoser')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  registerClassifyCommand(program);
  return runProgram(program, argv);
}
