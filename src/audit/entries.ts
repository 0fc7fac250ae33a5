/**
 * The audit's findings by target project: what breaks there once the allowlist is enforced,
 * and the distinct entries that fix it. Read by the table, the readiness page and the issues
 * that carry the entries to each target's maintainers. Pure.
 */
import type { AuditFinding, AuditFix } from '../domain/audit.js';

/** Refused now, or once the allowlist is enforced (18.0 or the admin setting). */
export function breaksAtEnforcement(finding: AuditFinding): boolean {
  return finding.state === 'denied' || finding.state === 'denied-at-enforcement';
}

export interface TargetFindings {
  target: string;
  /** Undefined when the bot cannot see the target project. */
  targetId?: number;
  /** Every finding with this target, in the report's order. */
  findings: AuditFinding[];
  /** How many of them break once the allowlist is enforced. */
  breaking: number;
  /** The distinct entries that fix them, projects before groups, by path. */
  entries: AuditFix[];
}

/** Entries are the same when they add the same project or group. */
function entryKey(fix: AuditFix): string {
  return `${fix.entry}:${fix.id}`;
}

/** Findings grouped by target: the most breaking first, then by path. */
export function findingsByTarget(findings: readonly AuditFinding[]): TargetFindings[] {
  const byTarget = new Map<string, TargetFindings>();
  for (const finding of findings) {
    const group = byTarget.get(finding.target) ?? {
      target: finding.target,
      ...(finding.targetId !== undefined ? { targetId: finding.targetId } : {}),
      findings: [],
      breaking: 0,
      entries: [],
    };
    group.findings.push(finding);
    if (breaksAtEnforcement(finding)) {
      group.breaking += 1;
      const fix = finding.fix;
      if (fix && !group.entries.some((e) => entryKey(e) === entryKey(fix))) {
        group.entries.push(fix);
      }
    }
    byTarget.set(finding.target, group);
  }
  for (const group of byTarget.values()) {
    group.entries.sort(
      (a, b) =>
        Number(a.entry === 'group') - Number(b.entry === 'group') || a.add.localeCompare(b.add),
    );
  }
  return [...byTarget.values()].sort(
    (a, b) => b.breaking - a.breaking || a.target.localeCompare(b.target),
  );
}
