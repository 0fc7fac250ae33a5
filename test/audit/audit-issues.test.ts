import { Gitlab } from '@gitbeaker/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptFixIssues } from '../../src/audit/accept-issues.js';
import { openFixIssues } from '../../src/audit/fix-issues.js';
import { refreshAudit } from '../../src/audit/refresh.js';
import type { Bot } from '../../src/main.js';
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
  startAuditBot,
  startAuditSimulator,
} from '../helpers/audit-sim.js';

let sim: Simulator;
let world: World;
let ids: AuditIds;
let bot: Bot;

beforeEach(async () => {
  ({ sim, world, ids } = await startAuditSimulator());
  bot = startAuditBot({ sim, ids });
});

afterEach(async () => {
  bot.close();
  await closeChecked(sim);
});

const as = (token: string) => new Gitlab({ host: sim.url, token });
const id = (path: string) => ids.projects[path] as number;

/** Every target's allowlist as paths, from the simulator's own state. */
function allowlists(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const path of ['tools/images', 'tools/libs', 'tools/shared', 'tools/config']) {
    const list = world.project(id(path))?.jobTokenAllowlist;
    out[path] = [
      ...(list?.projectIds ?? []).map((p) => world.project(p)?.pathWithNamespace ?? String(p)),
      ...(list?.groupIds ?? []).map((g) => `group ${world.group(g)?.fullPath ?? g}`),
    ].sort();
  }
  return out;
}

/** Status of every job of the latest pipeline of each audited project. */
function jobStatuses(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of ids.sources) {
    const pipeline = [...world.pipelines].reverse().find((p) => p.projectId === id(path));
    for (const job of world.jobsOf(pipeline?.id ?? 0)) out[`${path} ${job.name}`] = job.status;
  }
  return out;
}

/** The issue the audit opened in `path` (there is one per target that needs entries). */
function issueIn(path: string) {
  const issue = world.project(id(path))?.issues.at(-1);
  if (!issue) throw new Error(`no issue in ${path}`);
  return issue;
}

describe('the audit’s fixes, carried to each target project as an issue', () => {
  it('lists exactly the refused pairs; once its issues are accepted, every job passes under enforcement', async () => {
    const report = await refreshAudit(bot);
    expect(pairs(report.findings, 'denied')).toEqual(AUDIT_STORY_REFUSED.denied);
    expect(pairs(report.findings, 'denied-at-enforcement')).toEqual(
      AUDIT_STORY_REFUSED.deniedAtEnforcement,
    );
    expect(report.problems.map((p) => p.where)).toEqual(['apps/broken']);

    const { outcomes, problems } = await openFixIssues(bot, report);
    expect(problems).toEqual([]);
    expect(outcomes.map((o) => `${o.target} ${o.status} ${o.entries}`)).toEqual([
      'tools/images opened 2',
      'tools/shared opened 2',
      'tools/config opened 1',
      'tools/libs opened 1',
    ]);
    expect(issueIn('tools/images').description).toContain('1. project `apps/api`');
    expect(issueIn('tools/images').description).toContain(
      '2. group `mobile` (for `mobile/android`, `mobile/ios`, `mobile/web-view`)',
    );

    // tina maintains tools: one 👍 on each issue.
    for (const path of ['tools/images', 'tools/shared', 'tools/config', 'tools/libs']) {
      await as(ids.tokens.tina).IssueAwardEmojis.award(id(path), issueIn(path).iid, 'thumbsup');
    }
    const accepted = await acceptFixIssues(bot);

    expect(accepted).toEqual({ approvalsSeen: 4, refused: 0, added: 6, accepted: 4 });
    expect(allowlists()).toEqual({
      'tools/images': ['apps/api', 'apps/worker', 'group mobile', 'group web'],
      'tools/libs': ['apps/api', 'web/shop'],
      'tools/shared': ['web/legacy/portal', 'web/shop'],
      'tools/config': ['apps/worker'],
    });
    for (const path of ['tools/images', 'tools/shared', 'tools/config', 'tools/libs']) {
      expect(issueIn(path).state).toBe('closed');
      expect(issueIn(path).description).toMatch(/^\*\*Accepted by `@tina`\.\*\*/);
    }

    // GitLab 18.0: the allowlist of every project is enforced. Every job of the audited
    // projects runs again, and passes.
    world.enforceJobTokenAllowlist = true;
    runAuditPipelines(world, ids);
    const statuses = jobStatuses();
    expect(Object.keys(statuses)).toHaveLength(7);
    expect(Object.entries(statuses).filter(([, status]) => status !== 'success')).toEqual([]);
    const after = await refreshAudit(bot);
    expect(after.findings.filter((f) => f.state !== 'allowed')).toEqual([]);
  });

  it('a Developer’s or a bystander’s 👍 applies nothing; a Maintainer’s applies exactly the entries the issue was opened with, there only', async () => {
    const report = await refreshAudit(bot);
    await openFixIssues(bot, report);
    const before = allowlists();
    const images = issueIn('tools/images');
    // eve is a Guest there: she sees the issue and may react, nothing more.
    world.addMember(world.requireProject(id('tools/images')), ids.users.eve, 10);

    await as(ids.tokens.devon).IssueAwardEmojis.award(id('tools/images'), images.iid, 'thumbsup');
    await as(ids.tokens.eve).IssueAwardEmojis.award(id('tools/images'), images.iid, 'thumbsup');
    await as(ids.tokens.dana).IssueAwardEmojis.award(id('tools/images'), images.iid, 'thumbsup');
    const refused = await acceptFixIssues(bot);

    expect(refused).toEqual({ approvalsSeen: 3, refused: 3, added: 0, accepted: 0 });
    expect(allowlists()).toEqual(before);
    expect(images.state).toBe('opened');

    // Someone who may edit the issue lists more entries in its text: the bot applies what it
    // offered, not what the issue says now.
    await as(ids.tokens.devon).Issues.edit(id('tools/images'), images.iid, {
      description: `${images.description}\n3. project \`apps/broken\`\n4. group \`apps\``,
    });
    await as(ids.tokens.tina).IssueAwardEmojis.award(id('tools/images'), images.iid, 'thumbsup');
    const done = await acceptFixIssues(bot);

    expect(done).toEqual({ approvalsSeen: 1, refused: 0, added: 2, accepted: 1 });
    expect(allowlists()).toEqual({
      ...before,
      'tools/images': ['apps/api', 'apps/worker', 'group mobile', 'group web'],
    });
    // Each reaction is looked at once: nothing more happens on the next cycle.
    expect(await acceptFixIssues(bot)).toEqual({
      approvalsSeen: 0,
      refused: 0,
      added: 0,
      accepted: 0,
    });
    const trail = bot.store.auditIssues
      .auditIssueEvents(1)
      .map((e) => `${e.kind} ${e.actor ?? ''} ${e.status}`);
    expect(trail).toEqual([
      'approval devon refused',
      'approval eve refused',
      'approval dana refused',
      'approval tina allowed',
      'write tina added',
      'write tina added',
      'outcome  accepted',
    ]);
  });

  it('opens no second issue for the same entries, and none again once a person closed it', async () => {
    const report = await refreshAudit(bot);
    await openFixIssues(bot, report);
    const again = await openFixIssues(bot, await refreshAudit(bot));
    expect(new Set(again.outcomes.map((o) => o.status))).toEqual(new Set(['open']));

    const config = issueIn('tools/config');
    await as(ids.tokens.tina).Issues.edit(id('tools/config'), config.iid, { stateEvent: 'close' });
    await as(ids.tokens.tina).IssueAwardEmojis.award(id('tools/config'), config.iid, 'thumbsup');
    expect((await acceptFixIssues(bot)).added).toBe(0);
    const third = await openFixIssues(bot, await refreshAudit(bot));

    expect(third.outcomes.find((o) => o.target === 'tools/config')?.status).toBe('declined');
    expect(world.project(id('tools/config'))?.issues).toHaveLength(1);
    expect(world.project(id('tools/config'))?.jobTokenAllowlist.projectIds).toEqual([]);
  });

  it('an acceptance whose write went unanswered is carried on by the next cycle: the issue is kept, not replaced', async () => {
    await openFixIssues(bot, await refreshAudit(bot));
    const images = issueIn('tools/images');
    await as(ids.tokens.tina).IssueAwardEmojis.award(id('tools/images'), images.iid, 'thumbsup');
    // GitLab adds apps/api and the connection is cut before its answer; the group gets a 500.
    sim.faults.push(
      {
        method: 'POST',
        path: /\/job_token_scope\/allowlist$/,
        status: 502,
        apply: true,
        reset: true,
      },
      { method: 'POST', path: /\/job_token_scope\/groups_allowlist$/, status: 500 },
    );
    await acceptFixIssues(bot);
    expect(images.state).toBe('opened');

    // The next audit finds only the group entry missing there: the accepted issue stays.
    const next = await openFixIssues(bot, await refreshAudit(bot));
    expect(next.outcomes.find((o) => o.target === 'tools/images')?.status).toBe('open');
    expect(await acceptFixIssues(bot)).toMatchObject({ approvalsSeen: 0, accepted: 1 });

    expect(world.project(id('tools/images'))?.issues).toHaveLength(1);
    expect(images.state).toBe('closed');
    expect(images.description).toMatch(/^\*\*Accepted by `@tina`\.\*\*/);
    expect(images.description).not.toContain('was on the allowlist already');
    expect(allowlists()['tools/images']).toEqual([
      'apps/api',
      'apps/worker',
      'group mobile',
      'group web',
    ]);
  });
  it('an entry whose write goes unanswered twice is given up, as the merge request flow does: GitLab read again, the outcome on the issue and in the trail', async () => {
    await openFixIssues(bot, await refreshAudit(bot));
    const images = issueIn('tools/images');
    await as(ids.tokens.tina).IssueAwardEmojis.award(id('tools/images'), images.iid, 'thumbsup');
    // Every add of a project entry gets a 500 (nothing made); the group entry is added.
    sim.faults.push({
      method: 'POST',
      path: /\/job_token_scope\/allowlist$/,
      status: 500,
      times: 99,
    });
    for (let cycle = 0; cycle < 5; cycle++) await acceptFixIssues(bot).catch(() => undefined);

    const posts = (list: string) =>
      sim.requests.filter(
        (r) =>
          r.method === 'POST' && r.path.endsWith(`/${id('tools/images')}/job_token_scope/${list}`),
      ).length;
    const issue = bot.store.auditIssues.latestAuditIssue(id('tools/images'));
    const trail = bot.store.auditIssues.auditIssueEvents(issue?.id ?? 0);
    expect({
      projectAdds: posts('allowlist'),
      groupAdds: posts('groups_allowlist'),
      allowlist: allowlists()['tools/images'],
      state: images.state,
      outcomes: trail.filter((e) => e.kind === 'outcome').map((e) => e.status),
    }).toEqual({
      projectAdds: 2,
      groupAdds: 1,
      allowlist: ['apps/worker', 'group mobile', 'group web'],
      state: 'opened',
      outcomes: ['failed'],
    });
    expect(images.description).toMatch(/^\*\*Not applied\.\*\* `@tina` accepted/);
    expect(images.description).toContain(
      "- project `apps/api`: GitLab did not answer the bot's 2 tries to add it",
    );
    expect(images.description).toContain('- group `mobile`: added');
    expect(images.description.split('**Not applied.**')).toHaveLength(2);
  });

  it('an entry whose second try went unanswered but was made counts as added: GitLab is read again before it is given up', async () => {
    await openFixIssues(bot, await refreshAudit(bot));
    const images = issueIn('tools/images');
    await as(ids.tokens.tina).IssueAwardEmojis.award(id('tools/images'), images.iid, 'thumbsup');
    sim.faults.push(
      { method: 'POST', path: /\/job_token_scope\/allowlist$/, status: 500 },
      { method: 'POST', path: /\/job_token_scope\/allowlist$/, status: 504, apply: true },
    );
    for (let cycle = 0; cycle < 3; cycle++) await acceptFixIssues(bot);

    expect(images.state).toBe('closed');
    expect(images.description).toMatch(/^\*\*Accepted by `@tina`\.\*\*/);
    expect(images.description).toContain('- project `apps/api`: added');
    expect(allowlists()['tools/images']).toEqual([
      'apps/api',
      'apps/worker',
      'group mobile',
      'group web',
    ]);
  });
});
