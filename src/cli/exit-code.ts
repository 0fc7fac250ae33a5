import {
  ConfigError,
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabTransientError,
  PatternLibraryError,
} from '../errors.js';
import { StoreError } from '../store/errors.js';
import { CliExit } from './exit.js';

/** Says what a command threw in words a user can act on, and gives its exit code. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliExit) {
    if (error.message) process.stderr.write(`${error.message}\n`);
    return error.code;
  }
  // Setup problems a user can fix: their message says how; no stack trace.
  if (
    error instanceof PatternLibraryError ||
    error instanceof StoreError ||
    error instanceof ConfigError ||
    error instanceof GitlabAuthError
  ) {
    process.stderr.write(`pipeline-diagnoser: ${error.message}\n`);
    return 2;
  }
  if (error instanceof GitlabTransientError || error instanceof GitlabNotFoundError) {
    process.stderr.write(`pipeline-diagnoser: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(
    `pipeline-diagnoser: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  return 1;
}
