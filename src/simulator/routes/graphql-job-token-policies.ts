/**
 * GraphQL for fine-grained job token permissions (18.3+): the allowlist with
 * each entry's permissions (`Project.ciJobTokenScopeAllowlist`) and
 * `ciJobTokenScopeUpdatePolicies`, with the checks and messages of GitLab's
 * `Ci::JobTokenScope::UpdatePoliciesService`. Recognised by field names, as
 * the other allowlist calls of this simulator.
 */
import { ok, type ApiResponse } from '../http.js';
import {
  entryKey,
  POLICIES_SINCE,
  policiesOf,
  type EntryPolicies,
  type EntryRef,
} from '../job-token-policies.js';
import {
  ACCESS,
  canReadGroup,
  canReadProject,
  isAdmin,
  projectAccessLevel,
  versionAtLeast,
} from '../rules.js';
import type { Project } from '../types.js';
import type { World } from '../world.js';

const NO_PERMISSION =
  "The resource that you are attempting to access does not exist or you don't have permission to perform this action";

function maintainedProject(world: World, userId: number, path: unknown): Project | undefined {
  const project = typeof path === 'string' ? world.projectByPath(path) : undefined;
  if (!project || !canReadProject(world, userId, project)) return undefined;
  const maintains =
    isAdmin(world, userId) || projectAccessLevel(world, userId, project) >= ACCESS.maintainer;
  return maintains ? project : undefined;
}

function node(world: World, project: Project, entry: EntryRef) {
  const target = entry.kind === 'project' ? world.project(entry.id) : world.group(entry.id);
  const granted = policiesOf(project, entry);
  return {
    target: {
      fullPath:
        target && 'pathWithNamespace' in target ? target.pathWithNamespace : target?.fullPath,
    },
    defaultPermissions: granted.defaultPermissions,
    jobTokenPolicies: granted.policies.map((p) => p.toUpperCase()),
  };
}

/** The answer, or undefined when the query is not about entry permissions. */
export function jobTokenPoliciesGraphql(
  world: World,
  userId: number,
  query: string,
  variables: Record<string, unknown>,
): ApiResponse | undefined {
  const mutation = query.includes('ciJobTokenScopeUpdatePolicies');
  if (!mutation && !query.includes('ciJobTokenScopeAllowlist')) return undefined;
  if (!versionAtLeast(world.version, POLICIES_SINCE)) {
    return ok({
      errors: [
        {
          message: mutation
            ? "Field 'ciJobTokenScopeUpdatePolicies' doesn't exist on type 'Mutation'"
            : "Field 'ciJobTokenScopeAllowlist' doesn't exist on type 'Project'",
        },
      ],
    });
  }
  return mutation ? updatePolicies(world, userId, variables) : allowlist(world, userId, variables);
}

function allowlist(world: World, userId: number, variables: Record<string, unknown>): ApiResponse {
  const project = maintainedProject(world, userId, variables.path);
  if (!project) {
    return ok({
      data: { project: null },
      errors: [{ message: NO_PERMISSION, path: ['project', 'ciJobTokenScopeAllowlist'] }],
    });
  }
  const list = project.jobTokenAllowlist;
  return ok({
    data: {
      project: {
        ciJobTokenScopeAllowlist: {
          projectsAllowlist: {
            nodes: list.projectIds.map((id) => node(world, project, { kind: 'project', id })),
          },
          groupsAllowlist: {
            nodes: list.groupIds.map((id) => node(world, project, { kind: 'group', id })),
          },
        },
      },
    },
  });
}

function updatePolicies(
  world: World,
  userId: number,
  variables: Record<string, unknown>,
): ApiResponse {
  const op = 'ciJobTokenScopeUpdatePolicies';
  const project = maintainedProject(world, userId, variables.project);
  if (!project) return ok({ data: { [op]: null }, errors: [{ message: NO_PERMISSION }] });
  const fail = (message: string) => ok({ data: { [op]: { errors: [message] } } });
  const path = typeof variables.target === 'string' ? variables.target : '';
  const targetProject = world.projectByPath(path);
  const targetGroup = targetProject ? undefined : world.groupByPath(path);
  if (!targetProject && !targetGroup) return fail('The target does not exist');
  const visible = targetProject
    ? canReadProject(world, userId, targetProject)
    : canReadGroup(world, userId, targetGroup as NonNullable<typeof targetGroup>);
  if (!visible) return fail('You have insufficient permission to update this job token scope');
  const entry: EntryRef = targetProject
    ? { kind: 'project', id: targetProject.id }
    : { kind: 'group', id: (targetGroup as NonNullable<typeof targetGroup>).id };
  const listed =
    entry.kind === 'project'
      ? project.jobTokenAllowlist.projectIds.includes(entry.id)
      : project.jobTokenAllowlist.groupIds.includes(entry.id);
  if (!listed) return fail('Unable to find a job token scope for the given project & target');
  const policies = Array.isArray(variables.policies)
    ? variables.policies.map((p) => String(p).toLowerCase())
    : [];
  const granted: EntryPolicies = { defaultPermissions: variables.default === true, policies };
  project.jobTokenPolicies ??= new Map();
  project.jobTokenPolicies.set(entryKey(entry), granted);
  return ok({ data: { [op]: { errors: [] } } });
}
