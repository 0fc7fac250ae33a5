/**
 * The sliver of GitLab's GraphQL API the bot uses. Discovery queries (the
 * admin's `jobs`, `projects(ids:)` with failed pipelines, introspection) run
 * on a real schema (../graphql). The 15.9 to 15.11 allowlist calls, where the
 * inbound job token allowlist has no REST API (reading a project's settings
 * and allowlist, adding or removing a project), are recognised by their field
 * names, not parsed: enough for a simulator.
 */
import { serveDiscoveryQuery } from '../graphql/execute.js';
import { jobTokenPoliciesGraphql } from './graphql-job-token-policies.js';
import { ok, type ApiResponse } from '../http.js';
import type { Route } from '../router.js';
import { route } from '../router.js';
import { ACCESS, canReadProject, projectAccessLevel, versionAtLeast } from '../rules.js';
import type { Project } from '../types.js';
import type { World } from '../world.js';

function isAdmin(world: World, userId: number): boolean {
  return world.user(userId)?.admin === true;
}

function maintains(world: World, userId: number, project: Project): boolean {
  return isAdmin(world, userId) || projectAccessLevel(world, userId, project) >= ACCESS.maintainer;
}

const AUTH_LOG_PAGE = 100;

/**
 * `project(fullPath){ ciJobTokenAuthLogs(first, after){ count nodes{ lastAuthorizedAt
 * originProject{ fullPath } } pageInfo{ hasNextPage endCursor } } }`: 17.6+, Maintainers only
 * (the resolver authorizes `admin_project`), rows whose origin project still exists.
 */
function authLogs(world: World, userId: number, variables: Record<string, unknown>): ApiResponse {
  if (!versionAtLeast(world.version, '17.6.0')) {
    return ok({
      errors: [{ message: "Field 'ciJobTokenAuthLogs' doesn't exist on type 'Project'" }],
    });
  }
  const path = typeof variables.path === 'string' ? variables.path : undefined;
  const project = path === undefined ? undefined : world.projectByPath(path);
  if (!project || !canReadProject(world, userId, project)) return ok({ data: { project: null } });
  if (!maintains(world, userId, project)) {
    return ok({
      data: { project: { ciJobTokenAuthLogs: null } },
      errors: [
        {
          message:
            "The resource that you are attempting to access does not exist or you don't have permission to perform this action",
          path: ['project', 'ciJobTokenAuthLogs'],
        },
      ],
    });
  }
  const rows = world.jobTokenAuthLog.filter(
    (r) => r.accessedProjectId === project.id && world.project(r.originProjectId) !== undefined,
  );
  const first = Math.min(Number(variables.first ?? AUTH_LOG_PAGE) || AUTH_LOG_PAGE, AUTH_LOG_PAGE);
  const after =
    typeof variables.after === 'string'
      ? Number(Buffer.from(variables.after, 'base64').toString('utf8'))
      : 0;
  const start = Number.isInteger(after) && after > 0 ? after : 0;
  const page = rows.slice(start, start + first);
  const end = start + page.length;
  return ok({
    data: {
      project: {
        ciJobTokenAuthLogs: {
          count: rows.length,
          nodes: page.map((r) => ({
            lastAuthorizedAt: r.lastAuthorizedAt.toISOString(),
            originProject: { fullPath: world.project(r.originProjectId)?.pathWithNamespace },
          })),
          pageInfo: {
            hasNextPage: end < rows.length,
            endCursor: page.length ? Buffer.from(String(end)).toString('base64') : null,
          },
        },
      },
    },
  });
}

/** `POST /api/graphql` (the server maps it to `/graphql`). */
export function graphqlRoutes(): Route[] {
  return [
    route('POST', '/graphql', (ctx) => {
      const discovery = serveDiscoveryQuery(ctx);
      if (discovery) return discovery;
      const query = String(ctx.body.query ?? '');
      const variables = (ctx.body.variables ?? {}) as Record<string, string>;
      const world = ctx.world;
      const userId = ctx.user.id;
      const policies = jobTokenPoliciesGraphql(world, userId, query, variables);
      if (policies) return policies;
      const visible = (path: string | undefined) => {
        const project = path === undefined ? undefined : world.projectByPath(path);
        return project && canReadProject(world, userId, project) ? project : undefined;
      };

      for (const operation of ['ciJobTokenScopeAddProject', 'ciJobTokenScopeRemoveProject']) {
        if (!query.includes(operation)) continue;
        const project = visible(variables.project);
        const target = visible(variables.target);
        const fail = (message: string) => ok({ data: { [operation]: { errors: [message] } } });
        if (!project || !maintains(world, userId, project)) {
          return ok({
            data: { [operation]: null },
            errors: [
              {
                message:
                  "The resource that you are attempting to access does not exist or you don't have permission to perform this action",
              },
            ],
          });
        }
        if (!target) {
          return fail('The target project does not exist or you do not have access to it');
        }
        // GitLab 15.x added to the OUTBOUND scope unless told otherwise.
        if (!/direction:\s*INBOUND/.test(query)) {
          return ok({ data: { [operation]: { errors: [] } } });
        }
        const list = project.jobTokenAllowlist.projectIds;
        if (operation === 'ciJobTokenScopeAddProject') {
          if (list.includes(target.id)) {
            return fail('Target project is already in the job token scope');
          }
          list.push(target.id);
        } else {
          project.jobTokenAllowlist.projectIds = list.filter((id) => id !== target.id);
        }
        return ok({ data: { [operation]: { errors: [] } } });
      }

      if (query.includes('ciJobTokenAuthLogs')) return authLogs(world, userId, variables);

      if (query.includes('ciCdSettings') || query.includes('ciJobTokenScope')) {
        const project = visible(variables.path);
        if (!project) return ok({ data: { project: null } });
        // Settings are shown to Maintainers only; others get nulls, as GitLab answers.
        const allowed = maintains(world, userId, project);
        return ok({
          data: {
            project: {
              ciCdSettings: allowed
                ? { inboundJobTokenScopeEnabled: project.inboundJobTokenScope }
                : null,
              ciJobTokenScope: allowed
                ? {
                    inboundAllowlist: {
                      nodes: project.jobTokenAllowlist.projectIds
                        .map((id) => world.project(id))
                        .filter((p): p is Project => p !== undefined)
                        .map((p) => ({ fullPath: p.pathWithNamespace })),
                    },
                  }
                : null,
            },
          },
        });
      }
      return ok({ errors: [{ message: 'This operation is not simulated' }] }, 200);
    }),
  ];
}
