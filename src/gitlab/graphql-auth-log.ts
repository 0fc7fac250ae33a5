import { GitlabAuthError, GitlabNotFoundError, GitlabRequestError } from '../errors.js';
import type { createGraphqlClient } from './graphql.js';
import type { AuthLogEntry, GitlabPort } from './port.js';
import type { Requester } from './request.js';

type Graphql = ReturnType<typeof createGraphqlClient>;

interface AuthLogData {
  project: {
    ciJobTokenAuthLogs: {
      nodes: { lastAuthorizedAt: string; originProject: { fullPath: string } | null }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    } | null;
  } | null;
}

const AUTH_LOG_QUERY = `
  query ($path: ID!, $after: String) {
    project(fullPath: $path) {
      ciJobTokenAuthLogs(first: 100, after: $after) {
        nodes {
          lastAuthorizedAt
          originProject {
            fullPath
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

// A log holds one row per origin project: 10 pages cover a thousand of them.
const MAX_PAGES = 10;

/** The job token authentication log (17.6+), through GraphQL: GitLab has no REST API for it. */
export function graphqlAuthLogMethods(
  graphql: Graphql,
  request: Requester,
): Pick<GitlabPort, 'listJobTokenAuthLog'> {
  return {
    async listJobTokenAuthLog(projectPath) {
      const context = {
        what: `reading the job token authentication log of ${projectPath} (GraphQL)`,
        needs: 'Maintainer on that project',
      };
      const entries: AuthLogEntry[] = [];
      let after: string | null = null;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        let data: AuthLogData;
        try {
          data = await request.read(context, () =>
            graphql<AuthLogData>(context, AUTH_LOG_QUERY, { path: projectPath, after }),
          );
        } catch (error) {
          if (
            error instanceof GitlabRequestError &&
            /doesn't exist on type/.test(error.description)
          ) {
            throw new GitlabNotFoundError(
              `GitLab has no job token authentication log before 17.6 (${projectPath})`,
            );
          }
          if (error instanceof GitlabRequestError && /permission/.test(error.description)) {
            throw new GitlabAuthError(
              `GitLab did not show the job token authentication log of ${projectPath}: the bot's user needs Maintainer on that project`,
              403,
            );
          }
          throw error;
        }
        const log = data.project?.ciJobTokenAuthLogs;
        if (!data.project) {
          throw new GitlabNotFoundError(
            `Project ${projectPath} was not found or is hidden from the bot`,
          );
        }
        if (!log) {
          throw new GitlabAuthError(
            `GitLab did not show the job token authentication log of ${projectPath}: the bot's user needs Maintainer on that project`,
            403,
          );
        }
        for (const node of log.nodes) {
          if (node.originProject) {
            entries.push({
              originPath: node.originProject.fullPath,
              lastAuthorizedAt: node.lastAuthorizedAt,
            });
          }
        }
        if (!log.pageInfo.hasNextPage || !log.pageInfo.endCursor) break;
        after = log.pageInfo.endCursor;
      }
      return entries;
    },
  };
}
