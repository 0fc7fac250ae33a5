import { AsyncLocalStorage } from 'node:async_hooks';
import { Gitlab } from '@gitbeaker/rest';
import { createGraphqlClient, graphqlJobTokenMethods } from './graphql.js';
import { graphqlAuthLogMethods } from './graphql-auth-log.js';
import { graphqlJobTokenPolicyMethods } from './graphql-job-token-policies.js';
import { graphqlDiscoveryMethods } from './graphql-discovery.js';
import type { GitlabPort } from './port.js';
import { createRequester, type RequestEvent } from './request.js';
import { issueMethods } from './rest-issues.js';
import { hookMethods } from './rest-hooks.js';
import { jobTokenMethods } from './rest-job-token.js';
import { jobMethods } from './rest-jobs.js';
import { noteMethods } from './rest-notes.js';
import { projectMethods } from './rest-projects.js';
import { registryMethods } from './rest-registry.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { createPauseBoard, type PauseBoard } from './pauses.js';
import { createSend, restRequesterFn } from './transport.js';

export interface GitlabAdapterOptions {
  url: string;
  token: string;
  /** Per request. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Called after every request with its outcome, for metrics. */
  onRequest?: (event: RequestEvent) => void;
  /** Where GitLab's requests to wait are kept; by default a board of this adapter's own. */
  pauses?: PauseBoard;
  /** Ends every request in flight when aborted (shutdown). */
  signal?: AbortSignal;
  now?: () => number;
}

/** The GitLab port over HTTP: REST through gitbeaker, GraphQL through fetch. */
export function createGitlabAdapter(options: GitlabAdapterOptions): GitlabPort {
  const baseUrl = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retry = options.retry ?? DEFAULT_RETRY;
  const now = options.now ?? Date.now;
  const calls = new AsyncLocalStorage<string>();
  const send = createSend({
    call: () => calls.getStore(),
    pauses: options.pauses ?? createPauseBoard({ now, minPauseMs: retry.maxDelayMs }),
    now,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const api = new Gitlab({
    host: baseUrl,
    token: options.token,
    queryTimeout: timeoutMs,
    requesterFn: restRequesterFn(send),
  });
  const request = createRequester(retry, options.onRequest, options.signal);
  const graphql = createGraphqlClient({ baseUrl, token: options.token, timeoutMs, send });
  return namedCalls(calls, {
    baseUrl,
    ...projectMethods(api, request),
    ...jobMethods(api, request),
    ...jobTokenMethods(api, request),
    ...graphqlJobTokenMethods(graphql, request),
    ...graphqlDiscoveryMethods(graphql, request),
    ...registryMethods(api, request),
    ...noteMethods(api, request),
    ...issueMethods(api, request),
    ...graphqlAuthLogMethods(graphql, request),
    ...graphqlJobTokenPolicyMethods(graphql, request),
    ...hookMethods(api, request),
  });
}

/** Each method of `port` runs with its name in `calls`: its requests carry it (see CALL_HEADER). */
function namedCalls(calls: AsyncLocalStorage<string>, port: GitlabPort): GitlabPort {
  const named: Record<string, unknown> = { ...port };
  for (const [name, value] of Object.entries(port)) {
    if (typeof value !== 'function') continue;
    const method = value as (...args: unknown[]) => unknown;
    named[name] = (...args: unknown[]) => calls.run(name, () => method(...args));
  }
  return named as unknown as GitlabPort;
}
