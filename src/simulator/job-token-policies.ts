/**
 * Fine-grained job token permissions (GA in GitLab 18.3): each allowlist entry
 * keeps the default permissions or lists the policies it grants
 * (`job_token_policies`, e.g. `read_releases`). An API call from an allowed
 * project's job is refused when the entry that lets it in lacks a policy the
 * endpoint needs (`Ci::JobToken::Scope#policies_allowed?`: the project's own
 * entry first, then the nearest group's), with `API::Helpers`' wording.
 * REST takes no policies; GraphQL `ciJobTokenScopeUpdatePolicies` sets them.
 */
import { namespaceChain, versionAtLeast } from './rules.js';
import type { Project } from './types.js';
import type { TokenView } from './token-access.js';

export const POLICIES_SINCE = '18.3.0';

export interface EntryPolicies {
  defaultPermissions: boolean;
  policies: string[];
}

export type EntryRef = { kind: 'project' | 'group'; id: number };

export const entryKey = (entry: EntryRef) => `${entry.kind}:${entry.id}`;

/** The entry of `target`'s allowlist that lets `source` in: its own, else the nearest group's. */
export function nearestEntry(
  view: TokenView,
  target: Project,
  source: Project,
): EntryRef | undefined {
  if (target.jobTokenAllowlist.projectIds.includes(source.id)) {
    return { kind: 'project', id: source.id };
  }
  const group = namespaceChain(view, source.namespaceId).find(
    (ns) => ns.kind === 'group' && target.jobTokenAllowlist.groupIds.includes(ns.id),
  );
  return group ? { kind: 'group', id: group.id } : undefined;
}

export function policiesOf(target: Project, entry: EntryRef): EntryPolicies {
  return (
    target.jobTokenPolicies?.get(entryKey(entry)) ?? { defaultPermissions: true, policies: [] }
  );
}

/** The REST resources fine-grained permissions cover, by the first path segment after the project. */
const RESOURCES: Record<string, string> = {
  deployments: 'deployments',
  environments: 'environments',
  jobs: 'jobs',
  packages: 'packages',
  pipelines: 'pipelines',
  releases: 'releases',
  repository: 'repositories',
  secure_files: 'secure_files',
  terraform: 'terraform_state',
};

/** The policy an endpoint of `/projects/:id/…` needs: `read_…` to read, `admin_…` to change. */
export function requiredPolicy(endpoint: string, method: string): string | undefined {
  const resource = RESOURCES[endpoint.replace(/^\/+/, '').split(/[/?]/)[0] ?? ''];
  if (!resource) return undefined;
  return `${method === 'GET' ? 'read' : 'admin'}_${resource}`;
}

/**
 * GitLab's 403 message when the entry letting `source` into `target` lacks
 * the endpoint's policy; undefined when the call may go on.
 */
export function policyDenial(
  view: TokenView,
  source: Project,
  target: Project,
  endpoint: string,
  method = 'GET',
): string | undefined {
  if (!versionAtLeast(view.version, POLICIES_SINCE) || source.id === target.id) return undefined;
  const entry = nearestEntry(view, target, source);
  const policy = requiredPolicy(endpoint, method);
  if (!entry || !policy) return undefined;
  const granted = policiesOf(target, entry);
  if (granted.defaultPermissions || granted.policies.includes(policy)) return undefined;
  return `403 Forbidden - Insufficient permissions to access this resource in project ${target.path}. The following token permission is required: ${policy}.`;
}
