/**
 * Who can see, read and pull what: pure functions over a read-only view of the world.
 *
 * They mirror GitLab's rules closely enough for the diagnoser's purposes: project visibility,
 * inherited membership, registry read access, the CI_JOB_TOKEN inbound allowlist
 * (`Ci::JobToken::Scope`) and the registry's path → project resolution
 * (`ContainerRegistry::Path`, LEVELS_SUPPORTED = 3).
 */
import type {
  Group,
  ImageRef,
  Namespace,
  Project,
  PullDecision,
  PullDenialReason,
  User,
} from './types.js';

/** Role numbers as GitLab's `Gitlab::Access`. */
export const ACCESS = Object.freeze({
  none: 0,
  guest: 10,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
});

/** The slice of the world the rules read. `World` implements it. */
export interface AccessView {
  readonly registryHost: string;
  readonly enforceJobTokenAllowlist: boolean;
  readonly projects: readonly Project[];
  readonly groups: readonly Group[];
  user(id: number): User | undefined;
  project(id: number): Project | undefined;
  namespace(id: number): Namespace | undefined;
  /** Tags of an image on a registry other than the instance's, by `dockerHubKey`. */
  externalImageTags(key: string): ReadonlySet<string> | undefined;
  /** Called when a job token is let into another project (the authentication log). */
  recordJobTokenAuthorization?(origin: Project, accessed: Project): void;
}

/** Input of `evaluatePull`: the job's project and the user who started the job. */
export interface PullRequest {
  projectId: number;
  userId: number;
  image: string;
}

/** Namespace chain from `namespaceId` up to the root (self first). */
export function namespaceChain(view: AccessView, namespaceId: number): Namespace[] {
  const chain: Namespace[] = [];
  let current = view.namespace(namespaceId);
  // Guard against accidental cycles in hand-built worlds.
  while (current && chain.length < 50) {
    chain.push(current);
    current = current.parentId === null ? undefined : view.namespace(current.parentId);
  }
  return chain;
}

/** Whether the user is an instance admin. */
export function isAdmin(view: AccessView, userId: number | undefined): boolean {
  return userId !== undefined && view.user(userId)?.admin === true;
}

/** Highest membership of a user in a group, counting ancestor groups. 0 when none. */
export function groupAccessLevel(view: AccessView, userId: number, groupId: number): number {
  let level = 0;
  for (const ns of namespaceChain(view, groupId)) {
    if (ns.kind === 'group') level = Math.max(level, ns.members.get(userId) ?? 0);
  }
  return level;
}

/**
 * Effective access level of a user on a project: the maximum of the direct membership and the
 * memberships in the namespace's groups (inherited). A personal namespace's owner is Owner.
 */
export function projectAccessLevel(view: AccessView, userId: number, project: Project): number {
  let level = project.members.get(userId) ?? 0;
  for (const ns of namespaceChain(view, project.namespaceId)) {
    if (ns.kind === 'group') level = Math.max(level, ns.members.get(userId) ?? 0);
    else if (ns.ownerId === userId) level = Math.max(level, ACCESS.owner);
  }
  return level;
}

/** Admin, or effective access at least `min`. */
export function hasProjectAccess(
  view: AccessView,
  userId: number | undefined,
  project: Project,
  min: number,
): boolean {
  if (userId === undefined) return false;
  return isAdmin(view, userId) || projectAccessLevel(view, userId, project) >= min;
}

/** `read_project`: public → everyone, internal → signed-in users, private → Guest+ members. */
export function canReadProject(
  view: AccessView,
  userId: number | undefined,
  project: Project,
): boolean {
  if (project.visibility === 'public') return true;
  if (userId === undefined) return false;
  if (project.visibility === 'internal') return true;
  return hasProjectAccess(view, userId, project, ACCESS.guest);
}

/**
 * `read_build`: public/internal projects expose jobs to whoever can see the project (GitLab's
 * default "public pipelines" setting); private projects need Reporter.
 */
export function canReadBuilds(
  view: AccessView,
  userId: number | undefined,
  project: Project,
): boolean {
  if (!canReadProject(view, userId, project)) return false;
  if (project.visibility !== 'private') return true;
  return hasProjectAccess(view, userId, project, ACCESS.reporter);
}

/** `read_code`/`read_merge_request`: private projects need Reporter (Guests see no code). */
export function canReadCode(
  view: AccessView,
  userId: number | undefined,
  project: Project,
): boolean {
  return canReadBuilds(view, userId, project);
}

/** `create_note` on MRs/commits: signed in and able to read them. */
export function canCreateNote(
  view: AccessView,
  userId: number | undefined,
  project: Project,
): boolean {
  return userId !== undefined && canReadCode(view, userId, project);
}

/**
 * `read_container_image`: registry 'enabled' follows project visibility (public → anyone,
 * internal → signed-in), private projects or a 'private' registry need Reporter.
 */
export function canReadRegistry(
  view: AccessView,
  userId: number | undefined,
  project: Project,
): boolean {
  if (project.containerRegistryAccessLevel === 'disabled') return false;
  if (isAdmin(view, userId)) return true;
  if (project.containerRegistryAccessLevel === 'enabled') {
    if (project.visibility === 'public') return true;
    if (project.visibility === 'internal' && userId !== undefined) return true;
  }
  return hasProjectAccess(view, userId, project, ACCESS.reporter);
}

/**
 * Whether a group is visible: public, internal to signed-in users, or the user is a member of
 * it, of an ancestor, or of anything below it.
 */
export function canReadGroup(view: AccessView, userId: number | undefined, group: Group): boolean {
  if (group.visibility === 'public') return true;
  if (userId === undefined) return false;
  if (group.visibility === 'internal' || isAdmin(view, userId)) return true;
  if (groupAccessLevel(view, userId, group.id) > 0) return true;
  const below = (namespaceId: number): boolean =>
    namespaceChain(view, namespaceId).some((ns) => ns.id === group.id);
  return (
    view.groups.some((g) => (g.members.get(userId) ?? 0) > 0 && below(g.id)) ||
    view.projects.some((p) => (p.members.get(userId) ?? 0) > 0 && below(p.namespaceId))
  );
}

/** Whether project `target`'s inbound allowlist is in force (its own switch or the 18.0 admin setting). */
export function inboundScopeEnforced(view: AccessView, target: Project): boolean {
  return target.inboundJobTokenScope || view.enforceJobTokenAllowlist;
}

/**
 * CI_JOB_TOKEN inbound check (`Ci::JobToken::Scope`): a token of project `source` may access
 * `target` if they are the same project, the target's scope is off (and not enforced), the
 * source is on the target's project allowlist, or the source lies in a group on its group
 * allowlist (any ancestor counts).
 */
export function jobTokenAllows(view: AccessView, source: Project, target: Project): boolean {
  if (source.id === target.id) return true;
  const ancestors = namespaceChain(view, source.namespaceId).map((ns) => ns.id);
  const allowed =
    !inboundScopeEnforced(view, target) ||
    target.jobTokenAllowlist.projectIds.includes(source.id) ||
    target.jobTokenAllowlist.groupIds.some((g) => ancestors.includes(g));
  if (allowed) view.recordJobTokenAuthorization?.(source, target);
  return allowed;
}

/** Parses `host[:port]/path[:tag|@digest]` the way Docker normalises references. */
export function parseImageRef(raw: string): ImageRef {
  const trimmed = raw.trim();
  const at = trimmed.indexOf('@');
  const digest = at >= 0 ? trimmed.slice(at + 1) : null;
  let rest = at >= 0 ? trimmed.slice(0, at) : trimmed;
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  // Docker treats the first component as a host only if it looks like one.
  const hostExplicit =
    slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    raw: trimmed,
    host: hostExplicit ? first : 'docker.io',
    hostExplicit,
    path: hostExplicit ? rest.slice(slash + 1) : rest,
    tag,
    digest,
    name: rest,
  };
}

/**
 * Key of an image on an external registry: Docker Hub images as `library/alpine` or
 * `org/name` (host dropped), anything else as `host/path`.
 */
export function dockerHubKey(image: string | ImageRef): string {
  const ref = typeof image === 'string' ? parseImageRef(image) : image;
  const hubHosts = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
  if (hubHosts.includes(ref.host.toLowerCase())) {
    return ref.path.includes('/') ? ref.path : `library/${ref.path}`;
  }
  return `${ref.host.toLowerCase()}/${ref.path}`;
}

/** Whether the reference points at the instance's own registry (host and port compared exactly). */
export function isInstanceRegistry(view: AccessView, ref: ImageRef): boolean {
  return ref.hostExplicit && ref.host.toLowerCase() === view.registryHost.toLowerCase();
}

/**
 * Resolves a registry path to its owning project: the first existing project whose full path
 * is the whole path or one of its two shorter prefixes (longest first). Case-insensitive.
 */
export function resolveRegistryPath(
  view: AccessView,
  path: string,
): { project: Project; repositoryName: string } | undefined {
  const segments = path.toLowerCase().split('/');
  for (let drop = 0; drop <= 2; drop += 1) {
    const keep = segments.length - drop;
    // A project path has at least a namespace and a name.
    if (keep < 2) break;
    const candidate = segments.slice(0, keep).join('/');
    const project = view.projects.find((p) => p.pathWithNamespace.toLowerCase() === candidate);
    if (project) return { project, repositoryName: segments.slice(keep).join('/') };
  }
  return undefined;
}

/** Docker's message for a refused pull. */
export function deniedMessage(ref: ImageRef): string {
  return `pull access denied for ${ref.name}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
}

/** Docker's message for a missing tag or repository. */
export function manifestUnknownMessage(ref: ImageRef): string {
  const version = ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`;
  return `manifest for ${ref.name}${version} not found: manifest unknown: manifest unknown`;
}

/** Deterministic manifest digest of an external image tag. */
export type DigestFn = (key: string, tag: string) => string;

/**
 * Decides whether a job of project A, started by user U, can pull `image`.
 *
 * 1. another registry → the image must exist there (repository missing → Docker Hub denial,
 *    tag missing → manifest unknown, as Docker Hub answers);
 * 2. instance registry → owning project B by path (none → denied: GitLab hides existence);
 * 3. B's registry disabled → denied;
 * 4. U must be able to read B's registry → else denied;
 * 5. the job token of A must pass B's inbound allowlist → else denied;
 * 6. repository and tag (or digest) must exist → else manifest unknown.
 */
export function evaluatePull(
  view: AccessView,
  request: PullRequest,
  externalDigest: DigestFn,
): PullDecision {
  const image = parseImageRef(request.image);
  if (!isInstanceRegistry(view, image)) {
    const key = dockerHubKey(image);
    const tags = view.externalImageTags(key);
    const base = { registry: 'external' as const, image };
    if (!tags) {
      return {
        ...base,
        ok: false,
        reason: 'docker-hub-missing',
        kind: 'denied',
        message: deniedMessage(image),
      };
    }
    const tag = image.tag ?? 'latest';
    const found = image.digest
      ? [...tags].find((t) => externalDigest(key, t) === image.digest)
      : tags.has(tag)
        ? tag
        : undefined;
    if (found === undefined) {
      return {
        ...base,
        ok: false,
        reason: 'not-found',
        kind: 'manifest-unknown',
        message: manifestUnknownMessage(image),
      };
    }
    return { ...base, ok: true, digest: externalDigest(key, found) };
  }

  const denied = (
    reason: PullDenialReason,
    extra: { projectId?: number; repositoryName?: string },
  ): PullDecision => ({
    ok: false,
    reason,
    registry: 'instance',
    image,
    ...extra,
    kind: 'denied',
    message: deniedMessage(image),
  });

  const resolved = resolveRegistryPath(view, image.path);
  if (!resolved) return denied('no-project', {});
  const { project: owner, repositoryName } = resolved;
  const where = { projectId: owner.id, repositoryName };
  if (owner.containerRegistryAccessLevel === 'disabled') return denied('registry-disabled', where);
  if (!canReadRegistry(view, request.userId, owner)) return denied('user-access', where);
  const source = view.project(request.projectId);
  // A public or internal project whose registry is open to everyone with access lets any job
  // token pull (ProjectPolicy's job_token_container_registry); the allowlist guards the rest.
  const openRegistry =
    owner.visibility !== 'private' && owner.containerRegistryAccessLevel === 'enabled';
  if (!source || (!openRegistry && !jobTokenAllows(view, source, owner))) {
    return denied('job-token-scope', where);
  }

  const repository = owner.registry.find((r) => r.name === repositoryName);
  const tag = repository?.tags.find((t) =>
    image.digest ? t.digest === image.digest : t.name === (image.tag ?? 'latest'),
  );
  if (!tag) {
    return {
      ok: false,
      reason: 'not-found',
      registry: 'instance',
      image,
      ...where,
      kind: 'manifest-unknown',
      message: manifestUnknownMessage(image),
    };
  }
  return { ok: true, registry: 'instance', image, ...where, digest: tag.digest };
}

/** Compares dotted versions numerically (`17.10.0` > `17.5.1`); suffixes like `-ee` are ignored. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] =>
    v
      .replace(/^v/, '')
      .split(/[.-]/)
      .slice(0, 3)
      .map((x) => Number.parseInt(x, 10) || 0);
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** `version >= min`. */
export function versionAtLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}
