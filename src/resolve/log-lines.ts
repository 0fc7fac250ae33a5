import { maskSecrets } from '../domain/secrets.js';
import { GitlabAuthError, GitlabNotFoundError } from '../errors.js';
import { createLineCleaner } from '../patterns/clean-log.js';
import type { ResolveInput } from './types.js';

/** Used only without the classified log at hand (a caller that did not pass it). */
const MAX_LOG_BYTES = 4 * 1024 * 1024;

/**
 * The few lines the job printed right after the matched one. Patterns only
 * look backwards, and git prints the URL it was refused on the line after
 * GitLab's `remote:` message, so a resolver that needs it reads it here.
 * Reads the log the classifier saw; only a caller without it costs a second download.
 */
export async function linesAfterMatch(input: ResolveInput, count: number): Promise<string[]> {
  const { gitlab, job, match } = input;
  let raw = input.log;
  try {
    raw ??= await gitlab.getJobLog(job.pipeline.projectId, job.id, MAX_LOG_BYTES);
  } catch (error) {
    if (error instanceof GitlabNotFoundError || error instanceof GitlabAuthError) return [];
    throw error;
  }
  const lines: string[] = [];
  const cleaner = createLineCleaner((line) => {
    // Read past the match, so not masked with it: mask here.
    lines.push(maskSecrets(line.text, input.secrets));
  });
  cleaner.write(raw);
  cleaner.end();
  // The numbers agree unless the log was cut differently; then find the text.
  let at = match.line - 1;
  if (lines[at] !== match.text) {
    const found = lines.indexOf(match.text);
    if (found === -1) return [];
    at = found;
  }
  return lines.slice(at + 1, at + 1 + count);
}
