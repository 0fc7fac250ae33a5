import { Gitlab } from '@gitbeaker/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run-audit.js';
import type { AuditReport } from '../../src/domain/audit.js';
import { withCache } from '../../src/gitlab/cache.js';
import { createGitlabAdapter } from '../../src/gitlab/client.js';
import {
  runAuditPipelines,
  type AuditIds,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';
import {
  AUDIT_STORY_REFUSED,
  closeChecked,
  pairs,
  startAuditSimulator,
} from '../helpers/audit-sim.js';

let sim: Simulator;
let world: World;
let ids: AuditIds;

beforeEach(async () => {
  ({ sim, world, ids } = await startAuditSimulator());
});

afterEach(async () => {
  await closeChecked(sim);
});

async function audit(): Promise<AuditReport> {
  let requests = 0;
  const gitlab = withCache(
    createGitlabAdapter({
      url: sim.url,
      token: ids.tokens.bot,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      onRequest: () => (requests += 1),
    }),
    60_000,
  );
  return runAudit({
    gitlab,
    watch: { projects: [], groups: ['web', 'mobile', 'apps'] },
    now: () => new Date(),
    requestCount: () => requests,
  });
}

/** Jobs of the latest pipeline of every source, by status. */
function jobStatuses(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of ids.sources) {
    const pipeline = [...world.pipelines].reverse().find((p) => p.projectId === ids.projects[path]);
    for (const job of world.jobsOf(pipeline?.id ?? 0)) out[`${path} ${job.name}`] = job.status;
  }
  return out;
}

describe('the job token readiness audit of a pre-18.0 instance', () => {
  it('lists exactly what is refused now and what breaks once the allowlist is enforced', async () => {
    const report = await audit();

    expect(pairs(report.findings, 'denied')).toEqual(AUDIT_STORY_REFUSED.denied);
    expect(pairs(report.findings, 'denied-at-enforcement')).toEqual(
      AUDIT_STORY_REFUSED.deniedAtEnforcement,
    );
    expect(pairs(report.findings, 'allowed')).toEqual([
      'apps/worker → tools/images (image)',
      'web/legacy/portal → tools/images (image)',
      'web/shop → tools/images (image)',
      'web/shop → tools/libs (artifacts)',
    ]);
    expect(pairs(report.findings, 'unknown')).toEqual([]);
    expect(report.problems).toEqual([
      {
        where: 'apps/broken',
        message: expect.stringMatching(/^The CI configuration cannot be read: \(<unknown>\)/),
      },
    ]);
    expect(report.projects).toBe(8);
    expect(report.requests).toBe(sim.requests.length);
  });

  it('says why, with what the configuration and the log show', async () => {
    const { findings } = await audit();
    const find = (source: string, target: string) =>
      findings.find((f) => f.source === source && f.target === target);

    expect(find('web/legacy/portal', 'tools/images')).toMatchObject({
      reason: 'group web is on the allowlist',
      via: ['job build: image gitlab-registry.example.org/tools/images/node:20'],
    });
    expect(find('web/shop', 'tools/images')?.via).toEqual([
      'job test: image gitlab-registry.example.org/tools/images/node:20',
      'job test: service gitlab-registry.example.org/tools/images/postgres:16',
    ]);
    expect(find('web/shop', 'tools/shared')).toMatchObject({
      via: ['job test: submodule shared (../../tools/shared.git)'],
      lastUsed: expect.any(String),
    });
    expect(find('apps/worker', 'tools/config')?.via).toEqual([
      'authentication log of tools/config',
    ]);
  });

  it('proposes the narrowest entries: projects, and the group when three of its projects need one target', async () => {
    const { findings } = await audit();
    const fixes = new Map(
      findings
        .filter((f) => f.fix)
        .map((f) => [`${f.target} ← ${f.fix?.entry} ${f.fix?.add}`, f.fix?.call]),
    );

    expect([...fixes.keys()].sort()).toEqual([
      'tools/config ← project apps/worker',
      'tools/images ← group mobile',
      'tools/images ← project apps/api',
      'tools/libs ← project apps/api',
      'tools/shared ← project web/legacy/portal',
      'tools/shared ← project web/shop',
    ]);
    expect(fixes.get('tools/images ← group mobile')).toBe(
      `POST /api/v4/projects/${ids.projects['tools/images']}/job_token_scope/groups_allowlist target_group_id=${ids.groups.mobile}`,
    );
  });

  it('is right: enforced without the fixes, those jobs fail; with them, every job passes', async () => {
    const { findings } = await audit();
    world.enforceJobTokenAllowlist = true;
    runAuditPipelines(world, ids);
    const broken = Object.entries(jobStatuses())
      .filter(([, status]) => status !== 'success')
      .map(([job]) => job);

    const tina = new Gitlab({ host: sim.url, token: ids.tokens.tina });
    const applied = new Set<string>();
    for (const { fix, targetId } of findings) {
      if (!fix || targetId === undefined || applied.has(`${targetId}:${fix.entry}:${fix.id}`)) {
        continue;
      }
      applied.add(`${targetId}:${fix.entry}:${fix.id}`);
      if (fix.entry === 'group') {
        await tina.ProjectJobTokenScopes.addToGroupsAllowList(targetId, fix.id);
      } else await tina.ProjectJobTokenScopes.addToInboundAllowList(targetId, fix.id);
    }
    runAuditPipelines(world, ids);
    const after = await audit();

    expect(broken.sort()).toEqual([
      'apps/api test',
      'apps/worker deploy',
      'mobile/android build',
      'mobile/ios build',
      'mobile/web-view build',
      'web/legacy/portal build',
      'web/shop test',
    ]);
    expect(Object.values(jobStatuses())).toEqual(Array(7).fill('success'));
    expect(after.findings.filter((f) => f.state !== 'allowed')).toEqual([]);
  });
});
