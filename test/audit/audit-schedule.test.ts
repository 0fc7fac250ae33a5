import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptAuditIssues, scheduleAudit } from '../../src/audit/refresh.js';
import type { Bot } from '../../src/main.js';
import {
  awardIssueEmoji,
  type AuditIds,
  type Simulator,
  type World,
} from '../../src/simulator/index.js';
import { startAuditBot, startAuditSimulator } from '../helpers/audit-sim.js';

let sim: Simulator;
let world: World;
let ids: AuditIds;
const bots: Bot[] = [];

beforeEach(async () => {
  ({ sim, world, ids } = await startAuditSimulator());
});

afterEach(async () => {
  for (const bot of bots.splice(0)) bot.close();
  await sim.close();
});

function startBot(audit: { schedule: string; openIssues: boolean }): Bot {
  const bot = startAuditBot({ sim, ids }, { audit: { ...audit, maxProjects: 2000 } });
  bots.push(bot);
  return bot;
}

async function until(done: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const issuesOpened = () =>
  Object.values(ids.projects).reduce((n, id) => n + (world.project(id)?.issues.length ?? 0), 0);

describe('run refreshes the audit on its own schedule', () => {
  it('audits at start when there is no report, then on every tick, opening the issues when set', async () => {
    const bot = startBot({ schedule: '*/2 * * * * *', openIssues: true });
    const stop = scheduleAudit(bot);
    try {
      await until(() => bot.store.audit.latestAuditAt() !== undefined && issuesOpened() === 4);
      const first = bot.store.audit.latestAuditAt();
      await until(() => bot.store.audit.latestAuditAt() !== first);
    } finally {
      await stop();
    }

    // A later audit finds the same entries: no second issue anywhere.
    expect(issuesOpened()).toBe(4);
    expect(bot.store.audit.latestAuditReport()?.findings).toHaveLength(12);

    // The poll cycle's step: a Maintainer's 👍 on an issue is acted on.
    const images = ids.projects['tools/images'] as number;
    const issue = world.project(images)?.issues[0];
    awardIssueEmoji(world, images, issue?.iid ?? 0, ids.users.tina, 'thumbsup');
    await acceptAuditIssues(bot);
    expect(world.project(images)?.jobTokenAllowlist.groupIds).toContain(ids.groups.mobile);
    expect(issue?.state).toBe('closed');
  });

  it('does nothing when the schedule is off, and opens no issue unless told to', async () => {
    const off = startBot({ schedule: 'off', openIssues: true });
    await scheduleAudit(off)();
    expect(off.store.audit.latestAuditAt()).toBeUndefined();

    const quiet = startBot({ schedule: '0 0 1 1 *', openIssues: false });
    const stop = scheduleAudit(quiet);
    await until(() => quiet.store.audit.latestAuditAt() !== undefined);
    await stop();
    expect(issuesOpened()).toBe(0);
  });
});
