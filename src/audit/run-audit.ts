/**
 * The job token readiness audit: for every watched project, what its CI jobs reach in other
 * projects (from the merged configuration, and from the targets' authentication logs on
 * 17.6+), whether each target lets it in now and once the allowlist is enforced, and the
 * narrowest entry that fixes what would break. Reads only.
 */
import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabTransientError,
  errorMessage,
} from '../errors.js';
import type { AuthLogEntry, GitlabPort, Project, ProjectRef } from '../gitlab/port.js';
import { findProject } from '../resolve/common.js';
import { instanceOf, type Instance } from '../resolve/gitlab-urls.js';
import { registryHostOf } from '../resolve/registry-host.js';
import { createWatchList, type WatchSettings } from '../pipeline/discover/watch-list.js';
import { discoverUses } from './discover.js';
import { planFixes } from './fixes.js';
import type { AuditFinding, AuditKind, AuditProblem, AuditReport } from '../domain/audit.js';
import { judge, readScope, sourceGroupEntry, type TargetScope } from './verdict.js';

export interface AuditOptions {
  gitlab: GitlabPort;
  watch: WatchSettings;
  now: () => Date;
  /** GitLab requests made so far by this process (the report says how many the audit made). */
  requestCount: () => number;
  /** At most this many projects are read (the rest is reported as a problem). */
  maxProjects?: number;
  /** Projects read at the same time. */
  concurrency?: number;
}

export const DEFAULT_MAX_PROJECTS = 2000;
const DEFAULT_CONCURRENCY = 4;

const STATE_ORDER = ['denied', 'denied-at-enforcement', 'unknown', 'allowed'];

/** Runs `work` over `items`, at most `limit` at a time, in order of completion. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
) {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(runners);
}

interface Pair {
  source: Project;
  target: Project;
  kind: AuditKind;
  via: string[];
  lastUsed?: string;
}

/** Reads the auth log of a target; undefined where GitLab has none or shows none to the bot. */
async function authLog(gitlab: GitlabPort, target: Project): Promise<AuthLogEntry[] | undefined> {
  try {
    return await gitlab.listJobTokenAuthLog(target.pathWithNamespace);
  } catch (error) {
    if (error instanceof GitlabNotFoundError || error instanceof GitlabAuthError) return undefined;
    throw error;
  }
}

export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const { gitlab } = options;
  const startedRequests = options.requestCount();
  const at = options.now().toISOString();
  const problems: AuditProblem[] = [];
  let version: string | undefined;
  try {
    version = (await gitlab.version()).version;
  } catch (error) {
    if (error instanceof GitlabTransientError) throw error;
  }

  const listed: ProjectRef[] = await createWatchList(
    gitlab,
    options.watch,
    0,
    options.now,
  )(problems);
  const max = options.maxProjects ?? DEFAULT_MAX_PROJECTS;
  if (listed.length > max) {
    problems.push({
      where: 'GitLab',
      message: `Only the first ${max} of ${listed.length} watched projects were audited (audit.maxProjects).`,
    });
  }
  const watched = listed.slice(0, max);

  const sources = new Map<number, Project>();
  for (const ref of watched) {
    const project = await findProject(gitlab, ref.id);
    if (project) sources.set(project.id, project);
  }
  const first = [...sources.values()][0];
  const registryHost = [...sources.values()].map(registryHostOf).find((h) => h !== undefined);
  const instance: Instance = first
    ? instanceOf(first, gitlab.baseUrl)
    : { bases: [gitlab.baseUrl] };

  const pairs = new Map<string, Pair>();
  const pair = (source: Project, target: Project, kind: AuditKind): Pair => {
    const key = `${source.id}:${target.id}:${kind}`;
    const existing = pairs.get(key);
    if (existing) return existing;
    const created: Pair = { source, target, kind, via: [] };
    pairs.set(key, created);
    return created;
  };
  let read = 0;
  await eachLimited(
    [...sources.values()],
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async (source) => {
      try {
        const found = await discoverUses(gitlab, source, registryHost, instance);
        if (found.hasCi) read += 1;
        problems.push(...found.problems);
        for (const use of found.uses) pair(source, use.target, use.kind).via.push(use.via);
      } catch (error) {
        if (error instanceof GitlabTransientError) throw error;
        problems.push({ where: source.pathWithNamespace, message: errorMessage(error) });
      }
    },
  );

  // The targets' authentication logs add what no configuration shows (scripts, API calls):
  // the watched and discovered projects', and those the bot maintains (it reads no others).
  const targets = new Map<number, Project>(sources);
  for (const p of pairs.values()) targets.set(p.target.id, p.target);
  for (const ref of await gitlab.listMemberProjects({ minAccessLevel: 40 })) {
    if (targets.has(ref.id) || targets.size >= max * 2) continue;
    const project = await findProject(gitlab, ref.id);
    if (project) targets.set(project.id, project);
  }
  for (const target of targets.values()) {
    for (const entry of (await authLog(gitlab, target)) ?? []) {
      // Only the audited projects' jobs: the log of a shared project names many others.
      const origin = [...sources.values()].find(
        (p) => p.pathWithNamespace.toLowerCase() === entry.originPath.toLowerCase(),
      );
      if (!origin || origin.id === target.id) continue;
      const known = [...pairs.values()].filter(
        (p) => p.source.id === origin.id && p.target.id === target.id,
      );
      const logged = known.length > 0 ? known : [pair(origin, target, 'auth-log')];
      for (const p of logged) {
        p.lastUsed = entry.lastAuthorizedAt;
        if (p.kind === 'auth-log') p.via = [`authentication log of ${target.pathWithNamespace}`];
      }
    }
  }

  const scopes = new Map<number, TargetScope>();
  const findings: AuditFinding[] = [];
  for (const p of pairs.values()) {
    let scope = scopes.get(p.target.id);
    if (!scope) {
      scope = await readScope(gitlab, p.target);
      scopes.set(p.target.id, scope);
      if (!scope.readable) {
        problems.push({
          where: p.target.pathWithNamespace,
          message: `Unknown allowlist: ${scope.reason}.`,
        });
      }
    }
    const groupEntry = await sourceGroupEntry(gitlab, scope, p.source);
    const { state, reason } = judge(scope, p.source, p.target, p.kind, groupEntry);
    findings.push({
      source: p.source.pathWithNamespace,
      sourceId: p.source.id,
      target: p.target.pathWithNamespace,
      targetId: p.target.id,
      kind: p.kind,
      state,
      reason,
      via: [...new Set(p.via)],
      ...(p.lastUsed ? { lastUsed: p.lastUsed } : {}),
    });
  }
  findings.sort(
    (a, b) =>
      STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) ||
      a.target.localeCompare(b.target) ||
      a.source.localeCompare(b.source) ||
      a.kind.localeCompare(b.kind),
  );
  return {
    at,
    ...(version ? { gitlabVersion: version } : {}),
    projects: read,
    requests: options.requestCount() - startedRequests,
    findings: planFixes(findings, sources, version),
    problems,
  };
}
