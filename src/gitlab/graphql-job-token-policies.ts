import { GitlabAuthError, GitlabNotFoundError, GitlabRequestError } from '../errors.js';
import type { Graphql } from './graphql.js';
import type { GitlabPort, JobTokenEntry } from './port.js';
import type { Requester } from './request.js';

interface EntryNode {
  target: { fullPath?: string } | null;
  defaultPermissions: boolean;
  jobTokenPolicies: string[] | null;
}

interface AllowlistData {
  project: {
    ciJobTokenScopeAllowlist: {
      projectsAllowlist: { nodes: EntryNode[] };
      groupsAllowlist: { nodes: EntryNode[] };
    } | null;
  } | null;
}

const ALLOWLIST_QUERY = `
  query ($path: ID!) {
    project(fullPath: $path) {
      ciJobTokenScopeAllowlist {
        projectsAllowlist {
          nodes {
            target { ... on CiJobTokenAccessibleProject { fullPath } }
            defaultPermissions
            jobTokenPolicies
          }
        }
        groupsAllowlist {
          nodes {
            target { ... on CiJobTokenAccessibleGroup { fullPath } }
            defaultPermissions
            jobTokenPolicies
          }
        }
      }
    }
  }
`;

const UPDATE_MUTATION = `
  mutation ($project: ID!, $target: ID!, $default: Boolean!, $policies: [CiJobTokenScopePolicies!]!) {
    ciJobTokenScopeUpdatePolicies(input: { projectPath: $project, targetPath: $target, defaultPermissions: $default, jobTokenPolicies: $policies }) {
      errors
    }
  }
`;

const NEEDS = 'Maintainer on that project';

/** GitLab 18.3+: allowlist entries with their fine-grained permissions, through GraphQL only. */
export function graphqlJobTokenPolicyMethods(
  graphql: Graphql,
  request: Requester,
): Pick<GitlabPort, 'listJobTokenEntries' | 'updateJobTokenPolicies'> {
  return {
    async listJobTokenEntries(projectPath) {
      const context = {
        what: `reading the job token allowlist entries of ${projectPath} (GraphQL)`,
        needs: NEEDS,
      };
      let data: AllowlistData;
      try {
        data = await request.read(context, () =>
          graphql<AllowlistData>(context, ALLOWLIST_QUERY, { path: projectPath }),
        );
      } catch (error) {
        if (
          error instanceof GitlabRequestError &&
          /doesn't exist on type/.test(error.description)
        ) {
          throw new GitlabNotFoundError(
            `GitLab has no fine-grained job token permissions before 18.3 (${projectPath})`,
          );
        }
        if (error instanceof GitlabRequestError && /permission/.test(error.description)) {
          throw new GitlabAuthError(
            `GitLab did not show the job token allowlist of ${projectPath}: the bot's user needs Maintainer on that project`,
            403,
          );
        }
        throw error;
      }
      const list = data.project?.ciJobTokenScopeAllowlist;
      if (!list) {
        throw new GitlabAuthError(
          `GitLab did not show the job token allowlist of ${projectPath}: the bot's user needs Maintainer on that project`,
          403,
        );
      }
      const entries = (kind: JobTokenEntry['kind'], nodes: EntryNode[]): JobTokenEntry[] =>
        nodes.flatMap((n) =>
          n.target?.fullPath
            ? [
                {
                  kind,
                  path: n.target.fullPath,
                  defaultPermissions: n.defaultPermissions,
                  policies: (n.jobTokenPolicies ?? []).map((p) => p.toLowerCase()),
                },
              ]
            : [],
        );
      return [
        ...entries('project', list.projectsAllowlist.nodes),
        ...entries('group', list.groupsAllowlist.nodes),
      ];
    },

    async updateJobTokenPolicies(projectPath, targetPath, change) {
      const op = 'ciJobTokenScopeUpdatePolicies';
      const context = {
        what: `changing the job token permissions of ${targetPath} in the allowlist of ${projectPath} (GraphQL)`,
        needs: NEEDS,
      };
      const data = await request.write(context, () =>
        graphql<Record<string, { errors: string[] } | null>>(context, UPDATE_MUTATION, {
          project: projectPath,
          target: targetPath,
          default: change.defaultPermissions,
          policies: change.policies.map((p) => p.toUpperCase()),
        }),
      );
      const errors = data[op]?.errors ?? [];
      if (errors.length > 0) {
        throw new GitlabRequestError(
          `GitLab refused the change: ${errors.join('; ')}`,
          400,
          errors.join('; '),
        );
      }
      return { made: true, status: '200' };
    },
  };
}
