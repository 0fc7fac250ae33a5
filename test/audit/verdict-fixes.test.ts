import { describe, expect, it } from 'vitest';
import { planFixes } from '../../src/audit/fixes.js';
import type { AuditFinding } from '../../src/domain/audit.js';
import { judge, type GroupEntryMatch, type TargetScope } from '../../src/audit/verdict.js';
import type { GroupRef, Project } from '../../src/gitlab/port.js';

function project(id: number, path: string, namespace: { id: number; kind?: string }): Project {
  return {
    id,
    pathWithNamespace: path,
    webUrl: `https://gitlab.example.org/${path}`,
    name: path.split('/').at(-1) ?? path,
    visibility: 'private',
    namespace: {
      id: namespace.id,
      fullPath: path.slice(0, path.lastIndexOf('/')),
      kind: namespace.kind ?? 'group',
    },
    callerAccessLevel: 20,
  };
}

const images = project(10, 'tools/images', { id: 1 });
const shop = project(20, 'web/shop', { id: 2 });
const portal = project(21, 'web/legacy/portal', { id: 3 });

function scope(
  inboundEnabled: boolean,
  entries: { projects?: Project[]; groups?: GroupRef[] } = {},
): TargetScope {
  return {
    readable: true,
    inboundEnabled,
    projectIds: new Set((entries.projects ?? []).map((p) => p.id)),
    projectPaths: new Set(),
    groups: entries.groups ?? [],
  };
}

// Named unlike its path, as GitLab lets a group be.
const webGroup: GroupRef = { id: 2, fullPath: 'web' };

describe('judge', () => {
  it.each<[string, TargetScope, Project, GroupEntryMatch, string]>([
    ['a project entry', scope(true, { projects: [shop] }), shop, undefined, 'allowed'],
    [
      'a group entry above a subgroup',
      scope(true, { groups: [webGroup] }),
      portal,
      webGroup,
      'allowed',
    ],
    [
      'a group entry that is not above the source',
      scope(true, { groups: [webGroup] }),
      portal,
      undefined,
      'denied',
    ],
    [
      'a hidden group above the source',
      scope(true, { groups: [webGroup] }),
      portal,
      'unknown',
      'unknown',
    ],
    ['no entry, allowlist on', scope(true), shop, undefined, 'denied'],
    ['no entry, allowlist off', scope(false), shop, undefined, 'denied-at-enforcement'],
    ['an unreadable allowlist', { readable: false, reason: 'no' }, shop, undefined, 'unknown'],
  ])('%s', (_name, given, source, entry, state) => {
    expect(judge(given, source, images, 'image', entry).state).toBe(state);
  });

  it('lets any job token pull from an internal project with an open registry, not clone it', () => {
    const internal = {
      ...images,
      visibility: 'internal' as const,
      containerRegistryAccessLevel: 'enabled' as const,
    };

    expect(judge(scope(true), shop, internal, 'image', undefined).state).toBe('allowed');
    expect(judge(scope(true), shop, internal, 'submodule', undefined).state).toBe('denied');
    expect(
      judge(
        scope(true),
        shop,
        { ...internal, containerRegistryAccessLevel: 'private' },
        'image',
        undefined,
      ).state,
    ).toBe('denied');
  });
});

function finding(source: Project, state: AuditFinding['state'] = 'denied'): AuditFinding {
  return {
    source: source.pathWithNamespace,
    sourceId: source.id,
    target: images.pathWithNamespace,
    targetId: images.id,
    kind: 'image',
    state,
    reason: '',
    via: [],
  };
}

describe('planFixes', () => {
  const ios = project(30, 'mobile/ios', { id: 5 });
  const android = project(31, 'mobile/android', { id: 5 });
  const webView = project(32, 'mobile/web-view', { id: 5 });
  const sources = new Map([shop, portal, ios, android, webView].map((p) => [p.id, p]));

  it('adds each project on its own, and a group once three of its projects need the target', () => {
    const findings = [shop, portal, ios, android, webView].map((p) => finding(p));

    const fixed = planFixes(findings, sources, '17.10.0');

    expect(fixed.map((f) => [f.source, f.fix?.entry, f.fix?.add])).toEqual([
      ['web/shop', 'project', 'web/shop'],
      ['web/legacy/portal', 'project', 'web/legacy/portal'],
      ['mobile/ios', 'group', 'mobile'],
      ['mobile/android', 'group', 'mobile'],
      ['mobile/web-view', 'group', 'mobile'],
    ]);
    expect(fixed[0]?.fix?.call).toBe(
      'POST /api/v4/projects/10/job_token_scope/allowlist target_project_id=20',
    );
    expect(fixed[2]?.fix).toMatchObject({
      id: 5,
      call: 'POST /api/v4/projects/10/job_token_scope/groups_allowlist target_group_id=5',
      covers: ['mobile/android', 'mobile/ios', 'mobile/web-view'],
    });
  });

  it('adds projects only before group entries existed (17.0), through GraphQL before 16.0', () => {
    const findings = [ios, android, webView].map((p) => finding(p));

    expect(planFixes(findings, sources, '16.11.0').map((f) => f.fix?.entry)).toEqual([
      'project',
      'project',
      'project',
    ]);
    expect(planFixes(findings, sources, '15.10.0')[0]?.fix?.call).toMatch(
      /^GraphQL mutation \{ ciJobTokenScopeAddProject\(input: \{ projectPath: "tools\/images", targetProjectPath: "mobile\/ios", direction: INBOUND/,
    );
  });

  it('fixes nothing that is allowed or unknown', () => {
    const fixed = planFixes(
      [finding(shop, 'allowed'), finding(portal, 'unknown')],
      sources,
      '17.10.0',
    );

    expect(fixed.map((f) => f.fix)).toEqual([undefined, undefined]);
  });
});
