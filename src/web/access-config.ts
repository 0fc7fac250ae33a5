import { parseDuration, type Config, type RunConfig } from '../config/index.js';
import type { GitlabPort } from '../gitlab/port.js';
import { isLoopbackHost } from '../config/loopback.js';
import { CALLBACK_PATH, groupMemberCheck, type GitlabSignInOptions } from './gitlab-sign-in.js';
import type { SessionPolicy } from './session-cookie.js';

/** The dashboard's address as browsers reach it. */
export function publicAddress(config: Pick<Config, 'publicUrl' | 'http'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const { host, port } = config.http;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/** The dashboard's sign-in settings from the configuration. */
export function dashboardAccess(
  config: RunConfig,
  gitlab: Pick<GitlabPort, 'getGroupMember'>,
): { signIn?: GitlabSignInOptions; sessionPolicy: SessionPolicy; secureCookies: boolean } {
  const { applicationId, secret, group } = config.oauth;
  const address = publicAddress(config);
  return {
    ...(applicationId !== undefined && secret !== undefined
      ? {
          signIn: {
            gitlabUrl: config.gitlabUrl,
            applicationId,
            secret,
            redirectUri: `${address}${CALLBACK_PATH}`,
            ...(group !== undefined ? { group, isGroupMember: groupMemberCheck(gitlab) } : {}),
          },
        }
      : {}),
    sessionPolicy: {
      idleMs: parseDuration(config.sessionIdle),
      ttlMs: parseDuration(config.sessionTtl),
    },
    secureCookies: address.startsWith('https:'),
  };
}

/** The address a browser on the bot's host opens, whatever the public address is. */
export function localAddress(config: Pick<Config, 'http'>): string {
  const { host, port } = config.http;
  const loopback = isLoopbackHost(host) ? host : '127.0.0.1';
  return `http://${loopback.includes(':') && !loopback.startsWith('[') ? `[${loopback}]` : loopback}:${port}`;
}
