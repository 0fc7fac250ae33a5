import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabResponseError,
  GitlabUnreachableError,
  errorMessage,
} from '../errors.js';
import type { GitlabPort } from '../gitlab/port.js';
import type { Logger } from '../log.js';
import { CliExit } from './exit.js';

// No connection now, but the address may be right: GitLab restarting, a network blip.
const MAY_PASS = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Asks GitLab who the bot is before anything else, so a setup mistake is
 * said as one: an address that is not a GitLab, https:// against an http
 * port, an unknown host, a refused token stop the command with what to
 * change. An outage that may pass is logged, and the command goes on.
 */
export async function checkGitlab(gitlab: GitlabPort, logger: Logger): Promise<void> {
  try {
    await gitlab.currentUser();
  } catch (error) {
    if (error instanceof GitlabAuthError) throw new CliExit(2, error.message);
    if (error instanceof GitlabNotFoundError || error instanceof GitlabResponseError) {
      throw new CliExit(
        2,
        `GITLAB_URL (${gitlab.baseUrl}) does not answer as a GitLab: ${error.message}. ` +
          "Set GITLAB_URL to your GitLab's address, as in the browser (e.g. https://gitlab.example.com), without /api/v4.",
      );
    }
    if (error instanceof GitlabUnreachableError && !MAY_PASS.has(error.code)) {
      throw new CliExit(2, `${error.message} (GITLAB_URL is ${gitlab.baseUrl})`);
    }
    logger.error({ err: errorMessage(error), gitlabUrl: gitlab.baseUrl }, errorMessage(error));
  }
}

/** `listen`'s failure in words that name the setting and the fix. */
export function listenFailure(error: unknown, host: string, port: number): CliExit | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') {
    return new CliExit(
      2,
      `Port ${port} on ${host} is already in use (EADDRINUSE): stop the other process, or set DIAGNOSER_HTTP_PORT to a free port.`,
    );
  }
  if (code === 'EACCES') {
    return new CliExit(
      2,
      `Port ${port} on ${host} may not be used by this user (EACCES): ports below 1024 need privileges; set DIAGNOSER_HTTP_PORT to 1024 or above.`,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new CliExit(
      2,
      `This machine has no address ${host} (${code}): set DIAGNOSER_HTTP_HOST to one of its addresses, or 0.0.0.0 for all.`,
    );
  }
  return undefined;
}
