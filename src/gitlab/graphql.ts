import { GitbeakerRequestError } from '@gitbeaker/rest';
import {
  GitlabAuthError,
  GitlabQueryTooComplexError,
  GitlabRequestError,
  GitlabResponseError,
  GitlabTransientError,
} from '../errors.js';
import type { CallContext } from './map-error.js';
import type { GitlabPort } from './port.js';
import type { Requester } from './request.js';
import type { Send } from './transport.js';

export interface GraphqlOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  send: Send;
}

/** GitLab's GraphQL endpoint; gitbeaker has no GraphQL client. */
export function createGraphqlClient(options: GraphqlOptions) {
  const url = `${options.baseUrl}/api/graphql`;
  return async function graphql<T>(
    context: CallContext,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<T> {
    const request = new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const response = await options.send('api/graphql', request);
    if (!response.ok) {
      const body = await response.text();
      throw new GitbeakerRequestError(body, {
        cause: { description: body, request, response },
      });
    }
    const payload = await readPayload<T>(response, context);
    const problems = payload.errors?.map((e) => e.message) ?? [];
    if (problems.length > 0 || !payload.data) throw refusal(problems, context);
    return payload.data;
  };
}

async function readPayload<T>(
  response: Response,
  context: CallContext,
): Promise<{ data?: T; errors?: { message: string }[] }> {
  const text = await response.text();
  try {
    const payload = JSON.parse(text) as unknown;
    if (payload !== null && typeof payload === 'object') return payload;
  } catch {
    // answered below
  }
  throw new GitlabResponseError(
    `GitLab's GraphQL API answered ${context.what} with something other than JSON`,
    response.status,
    text.slice(0, 200),
  );
}

/** GitLab's GraphQL errors as the port's: too complex, timed out, or refused. */
function refusal(problems: string[], context: CallContext): Error {
  const description = problems.join('; ') || 'no data';
  // graphql-ruby's MaxQueryComplexity message.
  const tooComplex = /Query has complexity of (\d+), which exceeds max complexity of (\d+)/.exec(
    description,
  );
  if (tooComplex) {
    return new GitlabQueryTooComplexError(
      `GitLab found the query too complex while ${context.what}: ${description}`,
      Number(tooComplex[1]),
      Number(tooComplex[2]),
    );
  }
  // Gitlab::Graphql::Timeout: the query ran out of time on GitLab's side.
  if (problems.some((p) => /^Timeout on /.test(p))) {
    return new GitlabTransientError(`GitLab timed out while ${context.what}: ${description}`);
  }
  return new GitlabRequestError(
    `GitLab's GraphQL API refused ${context.what}: ${description}`,
    200,
    description,
  );
}

export type Graphql = ReturnType<typeof createGraphqlClient>;

interface ScopeData {
  project: {
    ciCdSettings: { inboundJobTokenScopeEnabled: boolean | null } | null;
    ciJobTokenScope: { inboundAllowlist: { nodes: { fullPath: string }[] } } | null;
  } | null;
}

const SCOPE_QUERY = `
  query ($path: ID!) {
    project(fullPath: $path) {
      ciCdSettings {
        inboundJobTokenScopeEnabled
      }
      ciJobTokenScope {
        inboundAllowlist {
          nodes {
            fullPath
          }
        }
      }
    }
  }
`;

/** The job token allowlist through GraphQL: GitLab 15.9 to 15.11 have no REST API for it. */
export function graphqlJobTokenMethods(
  graphql: Graphql,
  request: Requester,
): Pick<
  GitlabPort,
  'graphqlJobTokenScope' | 'graphqlAddToJobTokenAllowlist' | 'graphqlRemoveFromJobTokenAllowlist'
> {
  async function allowlistMutation(
    operation: 'ciJobTokenScopeAddProject' | 'ciJobTokenScopeRemoveProject',
    projectPath: string,
    targetProjectPath: string,
  ) {
    const verb = operation === 'ciJobTokenScopeAddProject' ? 'adding' : 'removing';
    const context = {
      what: `${verb} ${targetProjectPath} in the job token allowlist of ${projectPath} (GraphQL)`,
      needs: 'Maintainer on that project',
    };
    const data = await request.write(context, () =>
      graphql<Record<string, { errors: string[] }>>(
        context,
        // 15.x defaulted to OUTBOUND: the direction must be said.
        `mutation ($project: ID!, $target: ID!) {
          ${operation}(input: { projectPath: $project, targetProjectPath: $target, direction: INBOUND }) {
            errors
          }
        }`,
        { project: projectPath, target: targetProjectPath },
      ),
    );
    const errors = data[operation]?.errors ?? [];
    if (errors.length > 0) {
      throw new GitlabRequestError(
        `GitLab refused the change: ${errors.join('; ')}`,
        400,
        errors.join('; '),
      );
    }
  }

  return {
    async graphqlJobTokenScope(projectPath) {
      const context = {
        what: `reading the job token settings of ${projectPath} (GraphQL)`,
        needs: 'Maintainer on that project',
      };
      const data = await request.read(context, () =>
        graphql<ScopeData>(context, SCOPE_QUERY, { path: projectPath }),
      );
      const project = data.project;
      // GraphQL answers null where the caller may not read the setting.
      if (!project?.ciCdSettings || project.ciCdSettings.inboundJobTokenScopeEnabled === null) {
        throw new GitlabAuthError(
          `GitLab did not show the job token settings of ${projectPath}: the bot's user needs Maintainer on that project`,
          403,
        );
      }
      return {
        inboundEnabled: project.ciCdSettings.inboundJobTokenScopeEnabled,
        allowlist: project.ciJobTokenScope?.inboundAllowlist.nodes.map((n) => n.fullPath) ?? [],
      };
    },
    async graphqlAddToJobTokenAllowlist(projectPath, targetProjectPath) {
      await allowlistMutation('ciJobTokenScopeAddProject', projectPath, targetProjectPath);
      return { made: true, status: '200' };
    },
    async graphqlRemoveFromJobTokenAllowlist(projectPath, targetProjectPath) {
      await allowlistMutation('ciJobTokenScopeRemoveProject', projectPath, targetProjectPath);
      return { made: true, status: '200' };
    },
  };
}
