/**
 * The narrowest allowlist entries that fix the audit's findings: each source project on its
 * own, or its group when several projects of one group need the same target (one entry
 * instead of many, and GitLab's allowlist holds at most 200). Pure.
 */
import type { Project } from '../gitlab/port.js';
import { allowlistNeedsGraphql, atLeast, parseVersion } from '../render/version-advice.js';
import type { AuditFinding, AuditFix } from '../domain/audit.js';

/** From this many projects of one group needing one target, the group is the entry. */
export const SIBLINGS_FOR_GROUP = 3;

function projectCall(
  version: string | undefined,
  target: Project | string,
  targetId: number,
  source: Project,
) {
  if (allowlistNeedsGraphql(version)) {
    const path = typeof target === 'string' ? target : target.pathWithNamespace;
    return `GraphQL mutation { ciJobTokenScopeAddProject(input: { projectPath: "${path}", targetProjectPath: "${source.pathWithNamespace}", direction: INBOUND }) { errors } }`;
  }
  return `POST /api/v4/projects/${targetId}/job_token_scope/allowlist target_project_id=${source.id}`;
}

/**
 * Adds a fix to every denied finding (now or at enforcement) whose target the bot can see.
 * `sources` holds the source projects by id (their namespace decides group entries).
 */
export function planFixes(
  findings: readonly AuditFinding[],
  sources: ReadonlyMap<number, Project>,
  version: string | undefined,
): AuditFinding[] {
  const groupsAllowed = atLeast(parseVersion(version), 17, 0);
  const needing = findings.filter(
    (f) =>
      (f.state === 'denied' || f.state === 'denied-at-enforcement') && f.targetId !== undefined,
  );
  // target id → group id → the distinct sources of that group that need the target
  const byGroup = new Map<number, Map<number, Set<number>>>();
  for (const f of needing) {
    const namespace = sources.get(f.sourceId)?.namespace;
    if (!namespace || namespace.kind !== 'group') continue;
    const groups = byGroup.get(f.targetId as number) ?? new Map<number, Set<number>>();
    const members = groups.get(namespace.id) ?? new Set<number>();
    members.add(f.sourceId);
    groups.set(namespace.id, members);
    byGroup.set(f.targetId as number, groups);
  }
  return findings.map((finding) => {
    if (!needing.includes(finding)) return finding;
    const source = sources.get(finding.sourceId);
    if (!source) return finding;
    const targetId = finding.targetId as number;
    const namespace = source.namespace;
    const siblings = byGroup.get(targetId)?.get(namespace.id);
    let fix: AuditFix;
    if (
      groupsAllowed &&
      namespace.kind === 'group' &&
      siblings &&
      siblings.size >= SIBLINGS_FOR_GROUP
    ) {
      fix = {
        entry: 'group',
        add: namespace.fullPath,
        id: namespace.id,
        call: `POST /api/v4/projects/${targetId}/job_token_scope/groups_allowlist target_group_id=${namespace.id}`,
        covers: [...siblings].map((id) => sources.get(id)?.pathWithNamespace ?? String(id)).sort(),
      };
    } else {
      fix = {
        entry: 'project',
        add: source.pathWithNamespace,
        id: source.id,
        call: projectCall(version, finding.target, targetId, source),
        covers: [source.pathWithNamespace],
      };
    }
    return { ...finding, fix };
  });
}
